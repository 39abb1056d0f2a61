#!/usr/bin/env python3
"""A real EVM on 127.0.0.1 for the payments tests: eth-tester over py-evm behind a JSON-RPC HTTP server.

It deploys StreamPayment.vy (the ABI of ../shared/reference/stream-payment-abi.md) and MockGLM.vy, compiled
with vyper at start, and prints one JSON line with the chain's facts once it serves:
  {"rpc": "http://127.0.0.1:P", "chain_id": N, "stream_payment": "0x..", "glm": "0x..", "oracle": "0x..",
   "accounts": ["0x.."], "keys": ["0x.."]}
Methods: the ones the provider uses (eth_chainId, eth_call, eth_sendRawTransaction, receipts, nonces, fees,
balances, blocks), eth_sendTransaction from the funded test accounts, evm_increaseTime / evm_mine / evm_snapshot /
evm_revert for time travel, and JSON-RPC batches. Unlike py-evm alone, a raw transaction signed for another chain
(or without EIP-155 replay protection) is refused.

Usage: devchain.py --port P [--chain-id 17000] [--deployments FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import rlp
from eth_abi import abi
from eth_tester import EthereumTester, PyEVMBackend
from eth_tester.exceptions import TransactionFailed
from eth_utils import to_checksum_address

HERE = os.path.dirname(os.path.abspath(__file__))


class RPCError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def quantity(value):
    return hex(int(value))


def parse_quantity(value):
    return int(value, 16) if isinstance(value, str) else int(value)


class Chain:
    """The tester and everything that touches it, behind one lock (eth-tester is not thread-safe)."""

    def __init__(self, chain_id):
        self.backend = PyEVMBackend()
        self.backend.chain.chain_id = chain_id
        self.tester = EthereumTester(self.backend)
        self.chain_id = chain_id
        self.lock = threading.Lock()
        self.accounts = self.tester.get_accounts()
        self.keys = {to_checksum_address(key.public_key.to_checksum_address()): key for key in self.backend.account_keys}
        self.snapshots = {}

    def deploy(self, source, *constructor_args):
        compiled = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "vyper"), "-f", "bytecode", os.path.join(HERE, source)],
            check=True, capture_output=True, text=True).stdout.strip()
        encoded = b"".join(bytes(12) + bytes.fromhex(arg[2:]) for arg in constructor_args)
        tx_hash = self.tester.send_transaction({
            "from": self.accounts[0], "data": compiled + encoded.hex(), "gas": 3_000_000,
            "max_fee_per_gas": 10**10, "max_priority_fee_per_gas": 10**9})
        receipt = self.tester.get_transaction_receipt(tx_hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"deploying {source} failed")
        return receipt["contract_address"]

    # -- methods --------------------------------------------------------------------------------------------

    def call(self, method, params):
        handler = getattr(self, "rpc_" + method, None)
        if handler is None:
            raise RPCError(-32601, f"the method {method} does not exist/is not available")
        with self.lock:
            return handler(*params)

    def rpc_web3_clientVersion(self):
        return "golem-devchain/eth-tester"

    def rpc_net_version(self):
        return str(self.chain_id)

    def rpc_eth_chainId(self):
        return quantity(self.chain_id)

    def rpc_eth_accounts(self):
        return list(self.accounts)

    def rpc_eth_blockNumber(self):
        return quantity(self.tester.get_block_by_number("latest")["number"])

    def rpc_eth_getBalance(self, address, block="latest"):
        return quantity(self.tester.get_balance(address, block))

    def rpc_eth_getTransactionCount(self, address, block="latest"):
        return quantity(self.tester.get_nonce(address, block))

    def rpc_eth_gasPrice(self):
        return quantity(self.base_fee() + 10**9)

    def rpc_eth_maxPriorityFeePerGas(self):
        return quantity(10**9)

    def base_fee(self):
        return int(self.tester.get_block_by_number("pending").get("base_fee_per_gas", 10**9))

    def rpc_eth_feeHistory(self, count, newest="latest", percentiles=None):
        count = max(1, min(parse_quantity(count), 1024))
        latest = self.tester.get_block_by_number(newest)["number"]
        oldest = max(0, latest - count + 1)
        blocks = [self.tester.get_block_by_number(n) for n in range(oldest, latest + 1)]
        fees = [quantity(b.get("base_fee_per_gas", 10**9)) for b in blocks] + [quantity(self.base_fee())]
        return {
            "oldestBlock": quantity(oldest),
            "baseFeePerGas": fees,
            "gasUsedRatio": [b["gas_used"] / b["gas_limit"] for b in blocks],
            "reward": [[quantity(10**9) for _ in (percentiles or [])] for _ in blocks],
        }

    def rpc_eth_getBlockByNumber(self, block, full=False):
        b = self.tester.get_block_by_number(block)
        return {
            "number": quantity(b["number"]), "hash": b["hash"], "parentHash": b["parent_hash"],
            "timestamp": quantity(b["timestamp"]), "gasLimit": quantity(b["gas_limit"]), "gasUsed": quantity(b["gas_used"]),
            "baseFeePerGas": quantity(b.get("base_fee_per_gas", 0)), "transactions": list(b["transactions"]),
        }

    @staticmethod
    def transaction(params):
        names = {"from": "from", "to": "to", "data": "data", "input": "data", "value": "value", "gas": "gas",
                 "gasPrice": "gas_price", "maxFeePerGas": "max_fee_per_gas",
                 "maxPriorityFeePerGas": "max_priority_fee_per_gas", "nonce": "nonce"}
        transaction = {}
        for key, value in params.items():
            if key in names and value is not None:
                name = names[key]
                transaction[name] = parse_quantity(value) if name in (
                    "value", "gas", "gas_price", "max_fee_per_gas", "max_priority_fee_per_gas", "nonce") else value
        return transaction

    def rpc_eth_call(self, params, block="latest"):
        transaction = self.transaction(params)
        transaction.setdefault("from", self.accounts[0])
        transaction.setdefault("gas", 10_000_000)
        try:
            return self.tester.call(transaction, block)
        except TransactionFailed as failure:
            raise self.reverted(failure)

    def rpc_eth_estimateGas(self, params, block="latest"):
        transaction = self.transaction(params)
        transaction.setdefault("from", self.accounts[0])
        try:
            return quantity(self.tester.estimate_gas(transaction, block))
        except TransactionFailed as failure:
            raise self.reverted(failure)

    @staticmethod
    def reverted(failure):
        """What geth answers for a revert: code 3, the reason in the message, Error(string) ABI data in `data`
        (eth-tester has already decoded the reason into text; it is encoded back here)."""
        reason = failure.args[0] if failure.args else ""
        if isinstance(reason, Exception) and reason.args:
            reason = reason.args[0]  # estimate_gas passes py-evm's Revert on, with the raw revert data
        if isinstance(reason, bytes):
            return RPCError(3, "execution reverted", "0x" + reason.hex())
        data = "0x08c379a0" + abi.encode(["string"], [str(reason)]).hex()
        return RPCError(3, f"execution reverted: {reason}", data)

    def rpc_eth_sendTransaction(self, params):
        transaction = self.transaction(params)
        transaction.setdefault("gas", 3_000_000)
        if "gas_price" not in transaction:
            transaction.setdefault("max_fee_per_gas", self.base_fee() * 2 + 10**9)
            transaction.setdefault("max_priority_fee_per_gas", 10**9)
        try:
            return self.tester.send_transaction(transaction)
        except TransactionFailed as failure:
            raise self.reverted(failure)

    def rpc_eth_sendRawTransaction(self, raw):
        payload = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
        self.check_chain_id(payload)
        try:
            return self.tester.send_raw_transaction("0x" + payload.hex())
        except TransactionFailed as failure:
            raise self.reverted(failure)
        except Exception as error:  # nonce too low, insufficient funds, bad signature: what a node answers
            raise RPCError(-32000, str(error))

    def check_chain_id(self, payload):
        if not payload:
            raise RPCError(-32602, "empty transaction")
        if payload[0] in (1, 2, 3, 4):
            fields = rlp.decode(payload[1:])
            signed_for = int.from_bytes(fields[0], "big")
        elif payload[0] >= 0xC0:
            v = int.from_bytes(rlp.decode(payload)[6], "big")
            if v in (27, 28):
                raise RPCError(-32000, "only replay-protected (EIP-155) transactions allowed over RPC")
            signed_for = (v - 35) // 2
        else:
            raise RPCError(-32602, "unknown transaction type")
        if signed_for != self.chain_id:
            raise RPCError(-32000, f"invalid chain id for signer: have {signed_for} want {self.chain_id}")

    def rpc_eth_getTransactionReceipt(self, tx_hash):
        try:
            r = self.tester.get_transaction_receipt(tx_hash)
        except Exception:
            return None
        if r is None or r.get("block_number") is None:
            return None
        return {
            "transactionHash": r["transaction_hash"], "blockNumber": quantity(r["block_number"]),
            "blockHash": r["block_hash"], "status": quantity(r["status"]), "gasUsed": quantity(r["gas_used"]),
            "cumulativeGasUsed": quantity(r["cumulative_gas_used"]),
            "effectiveGasPrice": quantity(r.get("effective_gas_price", 0)), "contractAddress": r.get("contract_address"),
            "from": r.get("from"), "to": r.get("to"),
            "logs": [{"address": log["address"], "topics": list(log["topics"]), "data": log["data"]} for log in r["logs"]],
        }

    def rpc_eth_getLogs(self, params):
        def block(value):
            return value if value in ("latest", "earliest", "pending", None) else parse_quantity(value)
        topics = params.get("topics")
        filter_id = self.tester.create_log_filter(
            from_block=block(params.get("fromBlock", "latest")), to_block=block(params.get("toBlock", "latest")),
            address=params.get("address"), topics=topics)
        try:
            logs = self.tester.get_all_filter_logs(filter_id)
        finally:
            self.tester.delete_filter(filter_id)
        return [{"address": log["address"], "topics": list(log["topics"]), "data": log["data"],
                 "blockNumber": quantity(log["block_number"]), "transactionHash": log["transaction_hash"],
                 "logIndex": quantity(log["log_index"])} for log in logs]

    def rpc_eth_getTransactionByHash(self, tx_hash):
        try:
            t = self.tester.get_transaction_by_hash(tx_hash)
        except Exception:
            return None
        return {"hash": t["hash"], "nonce": quantity(t["nonce"]), "from": t["from"], "to": t["to"],
                "value": quantity(t["value"]), "blockNumber": quantity(t["block_number"]) if t.get("block_number") is not None else None}

    # -- time travel --------------------------------------------------------------------------------------

    def rpc_evm_increaseTime(self, seconds):
        pending = self.tester.get_block_by_number("pending")["timestamp"]
        self.tester.time_travel(pending + parse_quantity(seconds))
        return quantity(parse_quantity(seconds))

    def rpc_evm_mine(self, *args):
        self.tester.mine_blocks(1)
        return "0x0"

    def rpc_evm_snapshot(self):
        snapshot = self.tester.take_snapshot()
        key = quantity(len(self.snapshots) + 1)
        self.snapshots[key] = snapshot
        return key

    def rpc_evm_revert(self, key):
        if key not in self.snapshots:
            return False
        self.tester.revert_to_snapshot(self.snapshots.pop(key))
        return True


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: otherwise each call on a kept-alive connection waits ~40 ms
    chain = None

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        try:
            request = json.loads(self.rfile.read(length))
        except ValueError:
            return self.reply({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
        if isinstance(request, list):
            return self.reply([self.answer(item) for item in request] if request else
                              {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}})
        self.reply(self.answer(request))

    def answer(self, request):
        identifier = request.get("id") if isinstance(request, dict) else None
        try:
            if not isinstance(request, dict) or not isinstance(request.get("method"), str):
                raise RPCError(-32600, "invalid request")
            result = self.chain.call(request["method"], request.get("params") or [])
            return {"jsonrpc": "2.0", "id": identifier, "result": result}
        except RPCError as error:
            body = {"code": error.code, "message": error.message}
            if error.data is not None:
                body["data"] = error.data
            return {"jsonrpc": "2.0", "id": identifier, "error": body}
        except Exception as error:
            return {"jsonrpc": "2.0", "id": identifier, "error": {"code": -32603, "message": str(error)}}

    def reply(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--chain-id", type=int, default=17000)
    parser.add_argument("--deployments", help="write a <network>.json with the contract addresses here")
    options = parser.parse_args()

    chain = Chain(options.chain_id)
    oracle = chain.accounts[9]
    stream_payment = chain.deploy("StreamPayment.vy", oracle)
    glm = chain.deploy("MockGLM.vy")
    if options.deployments:
        with open(options.deployments, "w") as file:
            json.dump({"chainId": options.chain_id, "StreamPayment": {"address": stream_payment}, "glmToken": glm}, file)
    Handler.chain = chain
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    keys = [chain.keys[to_checksum_address(a)].to_hex() for a in chain.accounts]
    print(json.dumps({"rpc": f"http://127.0.0.1:{options.port}", "chain_id": options.chain_id,
                      "stream_payment": stream_payment, "glm": glm, "oracle": oracle,
                      "accounts": list(chain.accounts), "keys": keys}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
