import Foundation

/// Every setting of the node, read once at start into typed values and passed down.
/// Names and defaults follow the original node's `GOLEM_PROVIDER_*` variables where they exist.
public struct ProviderSettings: Sendable {
    public enum Environment: String, CaseIterable, Sendable { case production, development }
    public enum Network: String, CaseIterable, Sendable { case mainnet, testnet, development }
    public enum PaymentsNetwork: String, CaseIterable, Sendable {
        case l2Holesky = "l2.holesky"
        case mainnet
    }
    /// auto: Multipass where it is installed, QEMU otherwise.
    public enum VMDriverChoice: String, CaseIterable, Sendable { case auto, multipass, qemu }
    /// auto: KVM when a probe guest really runs under it, TCG (software emulation) otherwise.
    public enum AcceleratorChoice: String, CaseIterable, Sendable { case auto, kvm, tcg }
    /// How golem-proxy moves bytes: splice (Linux, zero-copy in the kernel), glue (SwiftNIO, portable),
    /// auto (splice where available).
    public enum ProxyEngine: String, CaseIterable, Sendable { case auto, splice, glue }
    public enum LogFormat: String, CaseIterable, Sendable { case text, json }
    public enum LogLevel: String, CaseIterable, Sendable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var paths: DataPaths
    public var environment: Environment
    public var network: Network
    public var paymentsNetwork: PaymentsNetwork
    public var logFormat: LogFormat
    public var logLevel: LogLevel

    // Gateway
    public var host: String
    public var port: Int
    public var publicIP: String?
    public var providerName: String
    public var providerCountry: String
    public var maxRequestBodyBytes: Int
    /// How long a synchronous `POST /api/v1/vms` waits for the VM to be reachable.
    public var syncCreateTimeoutSeconds: Double

    // Service endpoints (gRPC)
    public var vmServiceAddress: ServiceAddress
    public var proxyServiceAddress: ServiceAddress
    public var paymentsServiceAddress: ServiceAddress

    // VMService
    public var vmDriver: VMDriverChoice
    public var multipassBinaryPath: String?
    public var cloudInitDirectory: String
    public var defaultVMImage: String
    public var guestSSHPort: Int
    public var maxVMs: Int
    public var launchTimeoutSeconds: Double
    public var createVMMaxRetries: Int
    public var createVMRetryDelaySeconds: Double
    public var retryAttempts: Int
    public var retryDelaySeconds: Double
    public var retryBackoff: Double
    /// How often VMService re-reads every VM's state from the hypervisor (0 = never; start-up still reconciles).
    public var vmStateRefreshSeconds: Double
    public var stopVMsOnExit: Bool
    /// QEMU driver: the emulator, where base images live, acceleration, and whether guests may reach out.
    public var qemuBinaryPath: String?
    public var imageDirectory: String
    public var accelerator: AcceleratorChoice
    public var blockVMOutbound: Bool
    /// How long a guest gets to power off after ACPI shutdown before QEMU is told to quit.
    public var vmStopTimeoutSeconds: Double
    /// Admission: host totals minus the reserve, times the threshold, is what VMs may take.
    public var cpuThresholdPercent: Int
    public var memoryThresholdPercent: Int
    public var storageThresholdPercent: Int
    public var hostReserveCPUCores: Int
    public var hostReserveMemoryGB: Int
    public var hostReserveStorageGB: Int
    public var minCPUCores: Int
    public var minMemoryGB: Int
    public var minStorageGB: Int

    // PaymentsService: the provider's key (secrets: never logged)
    public var ethereumKeyDirectory: String
    public var ethereumPrivateKey: String?
    public var walletPassphrase: String?
    /// The payments chain and contract (reference 7.8); unset addresses come from the deployment files.
    public var paymentsRPCURL: String?
    public var streamPaymentAddress: String?
    public var glmTokenAddress: String?
    public var deploymentsDirectory: String?
    public var streamMinRemainingSeconds: Int
    /// The monitor: how often bound streams are read; what happens to a VM whose stream ended.
    public var streamMonitorEnabled: Bool
    public var streamMonitorIntervalSeconds: Double
    /// Between ticks only streams named in the contract's logs are read again; all of them every this often.
    public var streamMonitorFullReadSeconds: Double
    /// A VM stopped for an ended stream is deleted this long after (its disk is kept until then).
    public var streamDeleteGraceSeconds: Int
    /// Withdrawals by the monitor: at most one per stream per interval, and only from this many wei up.
    public var streamWithdrawEnabled: Bool
    public var streamWithdrawIntervalSeconds: Int
    /// Decimal wei (uint256 range; checked where it is parsed).
    public var streamMinWithdrawWei: String
    /// No withdrawal pays more than this per gas (gwei); above it the withdrawal waits for cheaper blocks.
    public var withdrawMaxFeeGwei: Double
    public var withdrawReceiptTimeoutSeconds: Double
    /// Monthly prices per unit, in USD (the original's settings) or in the payment token (when set, > 0).
    public var priceUSDPerCoreMonth: Double
    public var priceUSDPerGBRAMMonth: Double
    public var priceUSDPerGBStorageMonth: Double
    public var priceTokenPerCoreMonth: Double
    public var priceTokenPerGBRAMMonth: Double
    public var priceTokenPerGBStorageMonth: Double
    /// USD value of one payment token (ETH for native streams, GLM otherwise); turns the USD prices into a rate.
    public var tokenUSDPrice: Double?
    /// The L2 faucet of the payments profile (PoW + CAPTCHA, reference 7.7); nil: the profile has none.
    public var l2FaucetURL: String?
    public var l2CaptchaURL: String
    public var l2CaptchaAPIKey: String

    // ProxyService
    public var portRangeStart: Int
    /// Exclusive, as in the original: 50800..<50900 is 100 ports.
    public var portRangeEnd: Int
    public var sshProxyHost: String
    public var skipPortVerification: Bool
    /// Checkers asked at start (`POST <url>/check-ports`); a port is reachable if any of them reached it.
    public var portCheckServers: [String]
    /// Where `status` reads the newest release (JSON with `tag_name`, `version` or `info.version`); unset: no check.
    public var updateCheckURL: String?
    /// How long a requestor's connection waits for the VM's SSH port to accept.
    public var proxyConnectTimeoutSeconds: Double
    /// A connection with no bytes either way for this long is closed (0 = never).
    public var proxyIdleTimeoutSeconds: Double
    public var proxyMaxConnectionsPerVM: Int
    /// Across all VMs; protects the host's file descriptors and memory.
    public var proxyMaxConnections: Int
    public var proxyEngine: ProxyEngine

    // PortCheckService (the original checker's variable names)
    public var portCheckerHost: String
    public var portCheckerPort: Int
    /// Per connection attempt; the original's 5 s.
    public var portCheckerConnectTimeoutSeconds: Double
    /// Attempts per port (the original's 3), `portCheckerRetryDelaySeconds` apart.
    public var portCheckerAttempts: Int
    public var portCheckerRetryDelaySeconds: Double
    public var portCheckerMaxPorts: Int
    /// Lets a caller probe an address other than its own (header `X-Port-Check-Token`); unset: nobody can.
    public var portCheckerToken: String?
    /// Loopback, private and link-local targets are refused unless this is on (tests, private networks).
    public var portCheckerAllowPrivateTargets: Bool
    /// `/check-ports` requests per source address per minute (0: no limit).
    public var portCheckerRateLimitPerMinute: Int

    public init(source: SettingsSource, environment processEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let dataDirectory = DataPaths.dataDirectory(explicit: source.optionalString("DATA_DIR"), environment: processEnvironment)
        paths = DataPaths(dataDirectory: dataDirectory)

        var unified = source
        if let golemEnvironment = source.values["GOLEM_ENVIRONMENT"], !golemEnvironment.isEmpty {
            unified.set(SettingsSource.prefix + "ENVIRONMENT", golemEnvironment, origin: "GOLEM_ENVIRONMENT")
        }
        environment = try unified.choice("ENVIRONMENT", default: .production)
        network = try source.choice("NETWORK", default: environment == .development ? .development : .mainnet)
        paymentsNetwork = try source.choice("PAYMENTS_NETWORK", default: .l2Holesky)
        logFormat = try source.choice("LOG_FORMAT", default: .text)
        logLevel = try source.choice("LOG_LEVEL", default: .info)

        host = source.string("HOST", default: "0.0.0.0")
        port = try source.int("PORT", default: 7466, in: 1...65535)
        publicIP = source.optionalString("PUBLIC_IP")
        providerName = source.string("PROVIDER_NAME", default: "golem-provider")
        providerCountry = source.string("PROVIDER_COUNTRY", default: "SE")
        maxRequestBodyBytes = try source.int("MAX_REQUEST_BODY_BYTES", default: 64 * 1024, in: 1024...(16 * 1024 * 1024))
        syncCreateTimeoutSeconds = try source.double("SYNC_CREATE_TIMEOUT_SECONDS", default: 600, in: 1...86400)

        let runtime = paths.runtimeDirectory
        vmServiceAddress = try ServiceAddress.setting("VM_SERVICE_ADDRESS", in: source, default: .unix(runtime + "/vm.sock"))
        proxyServiceAddress = try ServiceAddress.setting("PROXY_SERVICE_ADDRESS", in: source, default: .unix(runtime + "/proxy.sock"))
        paymentsServiceAddress = try ServiceAddress.setting("PAYMENTS_SERVICE_ADDRESS", in: source, default: .unix(runtime + "/payments.sock"))

        vmDriver = try source.choice("VM_DRIVER", default: .auto)
        multipassBinaryPath = source.optionalString("MULTIPASS_BINARY_PATH")
        cloudInitDirectory = source.string("CLOUD_INIT_DIR", default: dataDirectory + "/vm/cloud-init")
        defaultVMImage = source.string("DEFAULT_VM_IMAGE", default: "24.04")
        guestSSHPort = try source.int("GUEST_SSH_PORT", default: 22, in: 1...65535)
        maxVMs = try source.int("MAX_VMS", default: 10, in: 1...10000)
        launchTimeoutSeconds = try source.double("LAUNCH_TIMEOUT_SECONDS", default: 300, in: 1...86400)
        createVMMaxRetries = try source.int("CREATE_VM_MAX_RETRIES", default: 15, in: 1...10000)
        createVMRetryDelaySeconds = try source.double("CREATE_VM_RETRY_DELAY_SECONDS", default: 5, in: 0.01...3600)
        retryAttempts = try source.int("RETRY_ATTEMPTS", default: 5, in: 1...100)
        retryDelaySeconds = try source.double("RETRY_DELAY_SECONDS", default: 2, in: 0...3600)
        retryBackoff = try source.double("RETRY_BACKOFF", default: 2, in: 1...10)
        vmStateRefreshSeconds = try source.double("VM_STATE_REFRESH_SECONDS", default: 30, in: 0...86400)
        stopVMsOnExit = try source.bool("STOP_VMS_ON_EXIT", default: false)
        qemuBinaryPath = source.optionalString("QEMU_BINARY_PATH")
        imageDirectory = source.string("IMAGE_DIR", default: dataDirectory + "/images")
        accelerator = try source.choice("ACCELERATOR", default: .auto)
        blockVMOutbound = try source.bool("BLOCK_VM_OUTBOUND", default: false)
        vmStopTimeoutSeconds = try source.double("VM_STOP_TIMEOUT_SECONDS", default: 60, in: 0...3600)
        // vCPUs may be overcommitted (up to 10x); memory and disk may not exceed the host.
        cpuThresholdPercent = try source.int("CPU_THRESHOLD", default: 90, in: 1...1000)
        memoryThresholdPercent = try source.int("MEMORY_THRESHOLD", default: 85, in: 1...100)
        storageThresholdPercent = try source.int("STORAGE_THRESHOLD", default: 90, in: 1...100)
        hostReserveCPUCores = try source.int("HOST_RESERVE_CPU_CORES", default: 0, in: 0...4096)
        hostReserveMemoryGB = try source.int("HOST_RESERVE_MEMORY_GB", default: 1, in: 0...65536)
        hostReserveStorageGB = try source.int("HOST_RESERVE_STORAGE_GB", default: 5, in: 0...1_000_000)
        minCPUCores = try source.int("MIN_CPU_CORES", default: 1, in: 1...4096)
        minMemoryGB = try source.int("MIN_MEMORY_GB", default: 1, in: 1...65536)
        minStorageGB = try source.int("MIN_STORAGE_GB", default: 10, in: 1...1_000_000)

        // The original's names: L2_RPC_URL (or KAOLIN_RPC_URL) before POLYGON_RPC_URL, the profile's URL otherwise.
        paymentsRPCURL = source.optionalString("L2_RPC_URL") ?? source.optionalString("KAOLIN_RPC_URL") ?? source.optionalString("POLYGON_RPC_URL")
            ?? (paymentsNetwork == .l2Holesky ? "https://l2.holesky.golemdb.io/rpc" : nil)
        streamPaymentAddress = source.optionalString("STREAM_PAYMENT_ADDRESS")
        glmTokenAddress = source.optionalString("GLM_TOKEN_ADDRESS")
        deploymentsDirectory = processEnvironment["GOLEM_DEPLOYMENTS_DIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? source.optionalString("DEPLOYMENTS_DIR")
        streamMinRemainingSeconds = try source.int("STREAM_MIN_REMAINING_SECONDS", default: 0, in: 0...(365 * 86400))
        streamMonitorEnabled = try source.bool("STREAM_MONITOR_ENABLED", default: true)
        streamMonitorIntervalSeconds = try source.double("STREAM_MONITOR_INTERVAL_SECONDS", default: 30, in: 0.1...86400)
        streamMonitorFullReadSeconds = try source.double("STREAM_MONITOR_FULL_READ_SECONDS", default: 600, in: 0...86400)
        streamDeleteGraceSeconds = try source.int("STREAM_DELETE_GRACE_SECONDS", default: 3600, in: 0...(365 * 86400))
        streamWithdrawEnabled = try source.bool("STREAM_WITHDRAW_ENABLED", default: false)
        streamWithdrawIntervalSeconds = try source.int("STREAM_WITHDRAW_INTERVAL_SECONDS", default: 1800, in: 0...(365 * 86400))
        streamMinWithdrawWei = source.string("STREAM_MIN_WITHDRAW_WEI", default: "0")
        guard !streamMinWithdrawWei.isEmpty, streamMinWithdrawWei.count <= 78, streamMinWithdrawWei.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw source.invalid("STREAM_MIN_WITHDRAW_WEI", streamMinWithdrawWei, allowed: "a whole number of wei, e.g. 1000000000000000")
        }
        withdrawMaxFeeGwei = try source.double("WITHDRAW_MAX_FEE_GWEI", default: 100, in: 0.000001...1_000_000)
        withdrawReceiptTimeoutSeconds = try source.double("WITHDRAW_RECEIPT_TIMEOUT_SECONDS", default: 120, in: 1...3600)
        priceUSDPerCoreMonth = try source.double("PRICE_USD_PER_CORE_MONTH", default: 5, in: 0...1_000_000)
        priceUSDPerGBRAMMonth = try source.double("PRICE_USD_PER_GB_RAM_MONTH", default: 2, in: 0...1_000_000)
        priceUSDPerGBStorageMonth = try source.double("PRICE_USD_PER_GB_STORAGE_MONTH", default: 0.1, in: 0...1_000_000)
        priceTokenPerCoreMonth = try source.double("PRICE_GLM_PER_CORE_MONTH", default: 0, in: 0...1e12)
        priceTokenPerGBRAMMonth = try source.double("PRICE_GLM_PER_GB_RAM_MONTH", default: 0, in: 0...1e12)
        priceTokenPerGBStorageMonth = try source.double("PRICE_GLM_PER_GB_STORAGE_MONTH", default: 0, in: 0...1e12)
        let tokenPrice = try source.double("TOKEN_USD_PRICE", default: 0, in: 0...1e12)
        tokenUSDPrice = tokenPrice > 0 ? tokenPrice : nil
        l2FaucetURL = source.optionalString("L2_FAUCET_URL") ?? (paymentsNetwork == .l2Holesky ? "https://l2.holesky.golemdb.io/faucet" : nil)
        l2CaptchaURL = source.string("L2_CAPTCHA_URL", default: "https://cap.gobas.me")
        l2CaptchaAPIKey = source.string("L2_CAPTCHA_API_KEY", default: "05381a2cef5e")
        // The original's key folder (~/.golem/provider/keys with the default data folder) and file format.
        ethereumKeyDirectory = source.string("ETHEREUM_KEY_DIR", default: dataDirectory + "/keys")
        ethereumPrivateKey = source.optionalString("ETHEREUM_PRIVATE_KEY")
        if let file = source.optionalString("WALLET_PASSPHRASE_FILE") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw source.invalid("WALLET_PASSPHRASE_FILE", file, allowed: "a readable file holding the keystore passphrase")
            }
            walletPassphrase = text.trimmingCharacters(in: .newlines)
        } else {
            walletPassphrase = source.optionalString("WALLET_PASSPHRASE")
        }

        portRangeStart = try source.int("PORT_RANGE_START", default: 50800, in: 1...65535)
        portRangeEnd = try source.int("PORT_RANGE_END", default: 50900, in: 2...65536)
        guard portRangeEnd > portRangeStart else {
            throw source.invalid(
                "PORT_RANGE_END", String(portRangeEnd),
                allowed: "a port above GOLEM_PROVIDER_PORT_RANGE_START (\(portRangeStart)); the end is exclusive")
        }
        sshProxyHost = source.string("SSH_PROXY_HOST", default: "0.0.0.0")
        skipPortVerification = try source.bool("SKIP_PORT_VERIFICATION", default: false)
        let servers = source.string("PORT_CHECK_SERVERS", default: "http://195.201.39.101:9000")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let bad = servers.first(where: { !($0.hasPrefix("http://") || $0.hasPrefix("https://")) }) ?? (servers.isEmpty ? "" : nil) {
            throw source.invalid("PORT_CHECK_SERVERS", bad, allowed: "a comma-separated list of http:// or https:// checker URLs")
        }
        updateCheckURL = source.optionalString("UPDATE_CHECK_URL")
        portCheckServers = servers.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        proxyConnectTimeoutSeconds = try source.double("PROXY_CONNECT_TIMEOUT_SECONDS", default: 10, in: 0.1...300)
        proxyIdleTimeoutSeconds = try source.double("PROXY_IDLE_TIMEOUT_SECONDS", default: 7200, in: 0...(30 * 86400))
        proxyMaxConnectionsPerVM = try source.int("PROXY_MAX_CONNECTIONS_PER_VM", default: 64, in: 1...100_000)
        proxyMaxConnections = try source.int("PROXY_MAX_CONNECTIONS", default: 4096, in: 1...1_000_000)
        proxyEngine = try source.choice("PROXY_ENGINE", default: .auto)

        portCheckerHost = source.string("PORT_CHECKER_HOST", default: "127.0.0.1")
        portCheckerPort = try source.int("PORT_CHECKER_PORT", default: 9000, in: 1...65535)
        portCheckerConnectTimeoutSeconds = try source.double("PORT_CHECKER_CONNECT_TIMEOUT_SECONDS", default: 5, in: 0.05...60)
        portCheckerAttempts = try source.int("PORT_CHECKER_ATTEMPTS", default: 3, in: 1...10)
        portCheckerRetryDelaySeconds = try source.double("PORT_CHECKER_RETRY_DELAY_SECONDS", default: 1, in: 0...60)
        portCheckerMaxPorts = try source.int("PORT_CHECKER_MAX_PORTS", default: 1000, in: 1...65535)
        portCheckerToken = source.optionalString("PORT_CHECKER_TOKEN")
        portCheckerAllowPrivateTargets = try source.bool("PORT_CHECKER_ALLOW_PRIVATE_TARGETS", default: false)
        portCheckerRateLimitPerMinute = try source.int("PORT_CHECKER_RATE_LIMIT_PER_MINUTE", default: 30, in: 0...1_000_000)
    }

    /// Loads flags, environment and `.env`, exiting with the problem on stderr when a value is wrong.
    public static func loadOrExit(arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> ProviderSettings {
        do {
            return try ProviderSettings(source: SettingsSource.load(arguments: arguments))
        } catch {
            FileHandle.standardError.write(Data("configuration error: \(error)\n".utf8))
            exit(2)
        }
    }
}
