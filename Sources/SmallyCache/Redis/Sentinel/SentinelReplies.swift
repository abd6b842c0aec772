/// Reading the replies Sentinel mode depends on. Pure functions, unit-tested without servers.
enum SentinelReplies {
    typealias Address = RedisSentinelConfiguration.Address

    /// What a sentinel said to `SENTINEL get-master-addr-by-name <name>`.
    enum MasterReply: Equatable {
        case address(Address)
        /// A null reply: this sentinel does not monitor a master of that name.
        case unknownName
    }

    /// `["10.0.0.5", "6379"]`, or null when the sentinel monitors no master of that name.
    static func masterAddress(_ reply: RESPValue) throws(RedisError) -> MasterReply {
        if reply.isNull { return .unknownName }
        if case .error(let message) = reply { throw RedisError.serverError(message) }
        guard let items = reply.array, items.count == 2, let host = items[0].string, !host.isEmpty,
            let portText = items[1].string, let port = Int(portText), (1...65535).contains(port)
        else { throw RedisError(.unexpectedReply, message: "get-master-addr-by-name answered \(reply)") }
        return .address(Address(host: host, port: port))
    }

    /// The role in a `ROLE` reply (`master`, `slave`, `sentinel`): its first element.
    static func role(_ reply: RESPValue) throws(RedisError) -> String {
        if case .error(let message) = reply { throw RedisError.serverError(message) }
        guard let role = reply.array?.first?.string else {
            throw RedisError(.unexpectedReply, message: "ROLE answered \(reply)")
        }
        return role
    }

    /// A `+switch-master` event: `<master-name> <old-ip> <old-port> <new-ip> <new-port>`.
    struct Switch: Equatable {
        var masterName: String
        var old: Address
        var new: Address
    }

    /// The event carried by a pub/sub push (`["message", "+switch-master", payload]`), `nil` for any
    /// other push (subscribe confirmations, `pong`s, other channels) or a malformed payload.
    static func switchMaster(_ push: RESPValue) -> Switch? {
        guard let items = push.array, items.count == 3, items[0].string == "message",
            items[1].string == "+switch-master", let payload = items[2].string
        else { return nil }
        let fields = payload.split(separator: " ")
        guard fields.count == 5, let oldPort = Int(fields[2]), let newPort = Int(fields[4]),
            (1...65535).contains(oldPort), (1...65535).contains(newPort)
        else { return nil }
        return Switch(masterName: String(fields[0]), old: Address(host: String(fields[1]), port: oldPort),
                      new: Address(host: String(fields[3]), port: newPort))
    }
}
