import Foundation
import Shared

/// Validates the create body exactly as the original's models do (name pattern, value sets, key prefix),
/// plus what keeps our hypervisor calls safe (image and key characters). Every problem is reported, not just the first.
public enum CreateVMRequestValidator {
    static let namePattern = "^[a-z0-9][a-z0-9-]*[a-z0-9]$"
    static let sshKeyPattern = "^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp(256|384|521)) "
    static let allowedCPU: [Int64] = [1, 2, 4, 8, 16]
    static let allowedMemory: [Int64] = [1, 2, 4, 8, 16, 32, 64]

    public static func validate(_ body: [UInt8], defaultImage: String) -> Result<CreateVMRequest, ValidationFailure> {
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: Data(body))
        } catch {
            return .failure(ValidationFailure(detail: [issue("json_invalid", [], "request body is not valid JSON; send a JSON object with name, resources and ssh_key")]))
        }
        guard case .object(let fields) = root else {
            return .failure(ValidationFailure(detail: [issue("model_attributes_type", [], "Input should be a valid dictionary or object to extract fields from")]))
        }
        var issues: [ValidationIssue] = []
        let name = validateName(fields["name"], &issues)
        let resources = validateResources(fields, &issues)
        let image = validateImage(fields["image"], defaultImage: defaultImage, &issues)
        let sshKey = validateSSHKey(fields["ssh_key"], &issues)
        let streamID = validateStreamID(fields["stream_id"], &issues)
        guard issues.isEmpty, let name, let resources, let image, let sshKey else { return .failure(ValidationFailure(detail: issues)) }
        return .success(CreateVMRequest(
            name: name, cpu: resources.cpu, memoryGB: resources.memory, storageGB: resources.storage,
            image: image, sshKey: sshKey, streamID: streamID))
    }

    static func validateName(_ value: JSONValue?, _ issues: inout [ValidationIssue]) -> String? {
        guard let value else { issues.append(issue("missing", ["name"], "Field required")); return nil }
        guard case .string(let name) = value else {
            issues.append(issue("string_type", ["name"], "Input should be a valid string"))
            return nil
        }
        if name.count < 3 {
            issues.append(issue("string_too_short", ["name"], "String should have at least 3 characters"))
        } else if name.count > 64 {
            issues.append(issue("string_too_long", ["name"], "String should have at most 64 characters"))
        } else if name.range(of: namePattern, options: .regularExpression) == nil {
            issues.append(issue("string_pattern_mismatch", ["name"], "String should match pattern '\(namePattern)'"))
        } else if name.contains("--") {
            issues.append(issue("value_error", ["name"], "Value error, name must not contain '--'"))
        } else {
            return name
        }
        return nil
    }

    /// `resources` when given; else `size`; else the original's default 1 CPU / 1 GB / 10 GB.
    static func validateResources(_ fields: [String: JSONValue], _ issues: inout [ValidationIssue]) -> (cpu: Int, memory: Int, storage: Int)? {
        if let resources = fields["resources"], resources != .null {
            guard case .object(let values) = resources else {
                issues.append(issue("model_type", ["resources"], "Input should be an object with cpu, memory and storage"))
                return nil
            }
            let before = issues.count
            let cpu = integer(values["cpu"], ["resources", "cpu"], &issues)
            let memory = integer(values["memory"], ["resources", "memory"], &issues)
            let storage = integer(values["storage"], ["resources", "storage"], &issues)
            if let cpu, !allowedCPU.contains(cpu) {
                issues.append(issue("value_error", ["resources", "cpu"], "Value error, CPU cores must be 1, 2, 4, 8, or 16"))
            }
            if let memory, !allowedMemory.contains(memory) {
                issues.append(issue("value_error", ["resources", "memory"], "Value error, Memory must be 1, 2, 4, 8, 16, 32, or 64 GB"))
            }
            if let storage, storage < 10 || storage > 65536 {
                issues.append(issue(storage < 10 ? "greater_than_equal" : "less_than_equal", ["resources", "storage"],
                                    storage < 10 ? "Input should be greater than or equal to 10" : "Input should be less than or equal to 65536"))
            }
            guard issues.count == before, let cpu, let memory, let storage else { return nil }
            return (Int(cpu), Int(memory), Int(storage))
        }
        if let size = fields["size"], size != .null {
            guard case .string(let text) = size, let preset = VMSize(rawValue: text) else {
                issues.append(issue("enum", ["size"], "Input should be 'small', 'medium', 'large' or 'xlarge'"))
                return nil
            }
            return preset.resources
        }
        return VMSize.small.resources
    }

    static func validateImage(_ value: JSONValue?, defaultImage: String, _ issues: inout [ValidationIssue]) -> String? {
        guard let value, value != .null else { return defaultImage }
        guard case .string(let image) = value else {
            issues.append(issue("string_type", ["image"], "Input should be a valid string"))
            return nil
        }
        if image.isEmpty { return defaultImage }
        // Passed as one argument to the hypervisor: no option-like or odd characters.
        guard image.count <= 256, image.range(of: "^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$", options: .regularExpression) != nil else {
            issues.append(issue("string_pattern_mismatch", ["image"],
                                "image must start with a letter or digit and use only letters, digits and . _ : / @ + -"))
            return nil
        }
        return image
    }

    static func validateSSHKey(_ value: JSONValue?, _ issues: inout [ValidationIssue]) -> String? {
        guard let value else { issues.append(issue("missing", ["ssh_key"], "Field required")); return nil }
        guard case .string(let key) = value else {
            issues.append(issue("string_type", ["ssh_key"], "Input should be a valid string"))
            return nil
        }
        guard key.range(of: sshKeyPattern, options: .regularExpression) != nil else {
            issues.append(issue("string_pattern_mismatch", ["ssh_key"], "String should match pattern '\(sshKeyPattern)'"))
            return nil
        }
        do {
            return try SSHPublicKey(parsing: key).line
        } catch {
            issues.append(issue("value_error", ["ssh_key"], "Value error, \(error)"))
            return nil
        }
    }

    static func validateStreamID(_ value: JSONValue?, _ issues: inout [ValidationIssue]) -> String? {
        guard let value, value != .null else { return nil }
        switch value {
        case .integer(let id) where id >= 0:
            return String(id)
        case .string(let text) where !text.isEmpty && text.count <= 78 && text.allSatisfy({ $0.isASCII && $0.isNumber }):
            return text.drop(while: { $0 == "0" }).isEmpty ? "0" : String(text.drop(while: { $0 == "0" }))
        case .integer:
            issues.append(issue("greater_than_equal", ["stream_id"], "Input should be greater than or equal to 0"))
        default:
            issues.append(issue("int_type", ["stream_id"], "Input should be a valid integer"))
        }
        return nil
    }

    static func integer(_ value: JSONValue?, _ loc: [String], _ issues: inout [ValidationIssue]) -> Int64? {
        guard let value else { issues.append(issue("missing", loc, "Field required")); return nil }
        guard let number = value.laxInteger else {
            issues.append(issue("int_type", loc, "Input should be a valid integer"))
            return nil
        }
        return number
    }

    static func issue(_ type: String, _ loc: [String], _ msg: String) -> ValidationIssue {
        ValidationIssue(type: type, loc: ["body"] + loc, msg: msg)
    }
}
