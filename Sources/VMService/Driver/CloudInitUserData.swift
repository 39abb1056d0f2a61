/// The cloud-init user-data of the original node (reference section 4.2), plus the image's `default` user so
/// that `ubuntu@` (what the requestor CLI uses) accepts the key as well as `root@` (`disable_root: false`:
/// cloud-init otherwise answers root logins with "Please login as the user ubuntu"), and the VM's name in
/// /etc/hosts so that sudo resolves it.
/// Values are written as double-quoted YAML scalars; the gateway already refused keys with control characters.
public struct CloudInitUserData: Sendable {
    public let hostname: String
    public let sshPublicKey: String

    public init(hostname: String, sshPublicKey: String) {
        self.hostname = hostname
        self.sshPublicKey = sshPublicKey
    }

    public var yaml: String {
        let key = Self.quoted(sshPublicKey)
        return """
        #cloud-config
        ---
        version: 1
        hostname: \(Self.quoted(hostname))
        package_update: true
        package_upgrade: true
        preserve_hostname: false
        manage_etc_hosts: true
        disable_root: false
        ssh_authorized_keys:
        - \(key)
        users:
        - default
        - name: root
          ssh_authorized_keys:
          - \(key)
        write_files:
        - path: /etc/ssh/sshd_config.d/allow_root.conf
          content: "PermitRootLogin prohibit-password\\n"
          owner: root:root
          permissions: '0644'
        runcmd:
        - systemctl restart ssh

        """
    }

    /// A YAML double-quoted scalar (JSON string rules), safe for any printable text.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

extension String {
    func leftPadded(to length: Int) -> String { String(repeating: "0", count: max(0, length - count)) + self }
}
