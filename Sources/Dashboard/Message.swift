import Telemetry
import TerminalUI

/// Everything that can happen to the dashboard; ``update(_:_:)`` turns each into new state.
public enum Message: Sendable, Equatable {
    case key(Key)
    /// A fresh snapshot from the source (ignored while paused).
    case snapshot(SystemSnapshot)
    /// The tree of the trace being shown, or nil when the source no longer has it.
    case traceTree(TraceTree?)
    /// A page of stored traces the state asked for (``Effect/fetchTraces(_:)``).
    case traces(TracePage)
    /// The log records of a trace the state asked for (``Effect/fetchTraceLogs(traceId:)``), or
    /// nil when the source keeps none beyond the snapshot's.
    case traceLogs(traceId: String, records: [LogRecord]?)
    case resize(width: Int, height: Int)
    /// How the source is connected now (read every refresh).
    case connection(ConnectionStatus)
    /// One refresh period passed.
    case tick
    /// A control command finished: `failure` says why it did not work, nil when it did.
    case performed(ControlCommand, failure: String?)
    /// Where a simulated run's clock is now (read every refresh); nil for a live system.
    case simulation(SimulationStatus?)
    /// A time control was carried out; the reply is for the notice line.
    case simulated(SimulationControl, reply: SimulationReply?)
}

/// What ``update(_:_:)`` asks the run loop to do.
public enum Effect: Sendable, Equatable {
    /// Send a command to the system (trip a breaker, set a fault).
    case control(ControlCommand)
    /// Fetch a trace's tree; the answer comes back as ``Message/traceTree(_:)``.
    case fetchTrace(id: String)
    /// Fetch a page of stored traces; the answer comes back as ``Message/traces(_:)``.
    case fetchTraces(TraceQuery)
    /// Fetch a trace's log records; the answer comes back as ``Message/traceLogs(traceId:records:)``.
    case fetchTraceLogs(traceId: String)
    /// Carry out a time control on the simulated run; the answer comes back as ``Message/simulated(_:reply:)``.
    case simulate(SimulationControl)
    case quit
}
