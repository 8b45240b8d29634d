/// Why a message was not accepted (SPEC §2). The raw value is the machine-readable reason stored
/// in the dead-letter table and used as the metrics label.
public enum DeadLetterReason: String, Sendable, CaseIterable, Codable {
    case badTopic = "bad_topic"
    case tooLarge = "too_large"
    case malformedJSON = "malformed_json"
    case schema
    case outOfRange = "out_of_range"
    case unknownDevice = "unknown_device"
    case unknownGateway = "unknown_gateway"
    case gatewayNotBound = "gateway_not_bound"
    /// Older than the accepted age, or a sequence number too far behind to tell from a duplicate.
    case stale
    /// Further in the future than the clock-skew tolerance.
    case future
    /// A maintenance report from a firm for a device it does not maintain (or that is unknown).
    case wrongFirm = "wrong_firm"
    /// A maintenance report whose worker certificate is missing, unknown, expired, of another
    /// item or another employer (TSG Z6001-2019).
    case certificate
    /// Accepted, but the store refused to write it for a permanent reason (a constraint); the
    /// detail has SQLite's error. Quarantined here so the rest of the commit is stored.
    case storeRejected = "store_rejected"
}

/// A rejected message (or one rejected element of a gateway batch), kept with its reason.
public struct DeadLetter: Sendable {
    /// When the pipeline received it.
    public let receivedAt: Int64
    /// Why it was refused.
    public let reason: DeadLetterReason
    /// Details as JSON, per kind.
    public let detail: String
    public let topic: String
    /// The gateway's id.
    public let gateway: String?
    /// The device's registration code.
    public let device: String?
    /// The payload, truncated to the configured cap; `payloadSize` is the original size.
    public let payload: [UInt8]
    public let payloadSize: Int
    /// SHA-256 (hex) of the whole payload when it was truncated: what is not kept can still be
    /// matched against a gateway's own log.
    public let payloadSHA256: String?

    public init(receivedAt: Int64, reason: DeadLetterReason, detail: String, topic: String, gateway: String?,
                device: String?, payload: [UInt8], payloadSize: Int, payloadSHA256: String? = nil) {
        (self.payloadSHA256, self.receivedAt, self.reason, self.detail) = (payloadSHA256, receivedAt, reason, detail)
        (self.topic, self.gateway, self.device, self.payload, self.payloadSize) = (topic, gateway, device, payload, payloadSize)
    }
}

/// A validated telemetry reading or device event, ready for the rules and the store.
public struct AcceptedMessage: Sendable {
    /// What a device topic carries: telemetry (readings) or an event.
    public enum Kind: Int, Sendable { case telemetry = 0, event = 1 }

    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// The device's position in the `DeviceDirectory` it was validated against, so later stages
    /// reach its entry and type without another look-up.
    public let entryIndex: Int
    /// What kind it is (a closed vocabulary, per record).
    public let kind: Kind
    /// When the reading was taken (epoch ms, event time).
    public let ts: Int64
    /// The device's sequence number, when it sent one.
    public let seq: UInt64?
    /// When the pipeline received it.
    public let receivedAt: Int64
    /// Telemetry values by declared field position; `nil` where the message did not carry the
    /// field. Empty for an event.
    public let values: FieldValues
    /// Event code, for events.
    public let code: String?
    /// The `data` object exactly as the gateway sent it (validated), as stored; `{}` when absent.
    public let data: JSONBytes
    /// For a device traced through fills: the index of the filling station (in the directory the
    /// message was validated against) whose gateway reported it.
    public let stationIndex: Int?

    public init(deviceNum: Int64, entryIndex: Int, kind: Kind, ts: Int64, seq: UInt64?, receivedAt: Int64,
                values: FieldValues, code: String?, data: JSONBytes, stationIndex: Int? = nil) {
        (self.deviceNum, self.entryIndex, self.kind, self.ts, self.seq) = (deviceNum, entryIndex, kind, ts, seq)
        (self.receivedAt, self.values, self.code, self.data, self.stationIndex) = (receivedAt, values, code, data, stationIndex)
    }

    /// The same message with other values (derived fields filled in by the pipeline).
    public func with(values: FieldValues) -> AcceptedMessage {
        AcceptedMessage(deviceNum: deviceNum, entryIndex: entryIndex, kind: kind, ts: ts, seq: seq, receivedAt: receivedAt,
                        values: values, code: code, data: data, stationIndex: stationIndex)
    }
}

/// A gateway's own online/offline report (`status` topic, usually its last will).
public struct GatewayStatus: Sendable, Equatable {
    /// The gateway's id.
    public let gateway: String
    public let online: Bool
    /// When it happened.
    public let at: Int64

    public init(gateway: String, online: Bool, at: Int64) { (self.gateway, self.online, self.at) = (gateway, online, at) }
}

/// An event the pipeline itself derives (a sequence gap, a reading outside its normal band...),
/// stored beside device events with source `pipeline`.
public struct DerivedEvent: Sendable, Equatable {
    /// The device's compact key in the store.
    public let deviceNum: Int64
    /// When it happened, by the device's clock.
    public let ts: Int64
    /// The event or reason code.
    public let code: DerivedEventCode
    /// JSON object with the event's details.
    public let data: String
    /// When the pipeline received it.
    public let receivedAt: Int64

    public init(deviceNum: Int64, ts: Int64, code: DerivedEventCode, data: String, receivedAt: Int64) {
        (self.deviceNum, self.ts, self.code, self.data, self.receivedAt) = (deviceNum, ts, code, data, receivedAt)
    }
}

/// Codes of the events the pipeline derives (source `pipeline` in the store), beside the device
/// event codes each type declares in `Devices/types/`.
public enum DerivedEventCode: String, Sendable, CaseIterable, Codable {
    /// Sequence numbers were skipped (lost messages, a `kill -9`).
    case seqGap = "seq_gap"
    /// The gateway's counter started again (a new epoch).
    case seqReset = "seq_reset"
    case outOfNormalBand = "out_of_normal_band"
    case backInNormalBand = "back_in_normal_band"
    /// A silence beyond the type's limit, once the device speaks again.
    case monitoringGap = "monitoring_gap"
    case counterReset = "counter_reset"
    case counterWrap = "counter_wrap"
    /// A counter went down without restarting from zero (an older total reported again): it is
    /// followed from the new value and nothing is counted.
    case counterRebased = "counter_rebased"
    case riskGradeChanged = "risk_grade_changed"
    /// The device's clock ran ahead of the message's arrival by more than the rules' late
    /// tolerance: the rules take its messages' times as their arrival until it is back.
    case clockSkew = "clock_skew"
    /// A gas cylinder's fill as the pipeline checked it: station, licence, result and problems
    /// (traceability; `equipwatch cylinders history`).
    case fill
}
