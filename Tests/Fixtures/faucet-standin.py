#!/usr/bin/env python3
"""A stand-in for the L2 faucet and its proof-of-work CAPTCHA server (reference 7.7), on 127.0.0.1, for the
`wallet faucet-l2` test. It checks every solution (sha256(salt + str(nonce)) starts with the target's bytes) and
the CAPTCHA token before it answers a transaction hash; each request is appended to <state>.calls as JSON.

Usage: faucet-standin.py --port P --key APIKEY --state FILE
"""
import argparse
import hashlib
import json
import re
import secrets
from http.server import BaseHTTPRequestHandler, HTTPServer

CHALLENGE = [["salt-one", "0a"], ["salt-two", "b7"], ["salt-three", "c"]]


class Handler(BaseHTTPRequestHandler):
    key = ""
    state = ""
    issued = set()

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(self.state + ".calls", "a") as calls:
            calls.write(json.dumps({"path": self.path, "body": body}) + "\n")
        if self.path == f"/{self.key}/api/challenge":
            return self.reply(200, {"challenge": CHALLENGE, "token": "challenge-token"})
        if self.path == f"/{self.key}/api/redeem":
            solutions = body.get("solutions", [])
            good = body.get("token") == "challenge-token" and len(solutions) == len(CHALLENGE) and all(
                [salt, target] == expected and hashlib.sha256((salt + str(nonce)).encode()).hexdigest().startswith(target)
                for (salt, target, nonce), expected in zip(solutions, CHALLENGE))
            if not good:
                return self.reply(400, {"error": "wrong solutions"})
            token = secrets.token_hex(8)
            Handler.issued.add(token)
            return self.reply(200, {"success": True, "token": token})
        if self.path == "/api/faucet":
            if body.get("captchaToken") not in Handler.issued or not re.fullmatch(r"0x[0-9a-fA-F]{40}", body.get("address", "")):
                return self.reply(400, {"error": "bad captcha token or address"})
            return self.reply(200, {"txHash": "0x" + hashlib.sha256(body["address"].encode()).hexdigest()})
        self.reply(404, {"error": "not found"})

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--state", required=True)
    options = parser.parse_args()
    Handler.key, Handler.state = options.key, options.state
    server = HTTPServer(("127.0.0.1", options.port), Handler)
    print("serving", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
