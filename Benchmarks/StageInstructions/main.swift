import Foundation
import StageWorkload

// Instructions per message of each worker stage, for callgrind (`scripts/stage-cost.sh`):
//
//   valgrind --tool=callgrind --collect-atstart=no --toggle-collect=ew_stage_1_lookup ... \
//     .build/release/StageInstructions [MESSAGES]
//
// Everything before a stage (loading Devices/ and Rules/, making the messages, each stage's first
// pass that builds its state) runs uncounted; only the `ew_stage_*` functions are, each over the
// same MESSAGES messages (default 20,000) of the sample fleet's mix. The count is the same for the
// same binary and input whatever else the machine does: the stable figure beside the times.
// The commit stage writes a temporary SQLite file with no checkpoint thread beside it.

let messages = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 20_000
let fixture = Fixture.shared
let lookUp = LookUpStage(fixture)
let validation = ValidationStage(fixture)
let sequence = SequenceStage(fixture)
let rules = RulesStage(fixture)
let planner = PlannerStage(fixture)
let commit = CommitStage(fixture, target: CommitTarget(checkpoints: false))
_ = commit.run(0..<1000)   // the statements prepared, the WAL made

@MainActor @inline(never) @_silgen_name("ew_stage_1_lookup") func stage1(_ n: Int) -> Int { lookUp.run(0..<n) }
@MainActor @inline(never) @_silgen_name("ew_stage_2_validation") func stage2(_ n: Int) -> Int { validation.run(0..<n) &+ 2 }
@MainActor @inline(never) @_silgen_name("ew_stage_3_sequence") func stage3(_ n: Int) -> Int { sequence.run(0..<n) &* 3 }
@MainActor @inline(never) @_silgen_name("ew_stage_4_rules") func stage4(_ n: Int) -> Int { rules.run(0..<n) ^ 4 }
@MainActor @inline(never) @_silgen_name("ew_stage_5_planner") func stage5(_ n: Int) -> Int { planner.run(0..<n) | 5 }
@MainActor @inline(never) @_silgen_name("ew_stage_6_commit") func stage6(_ n: Int) -> Int { commit.run(0..<n) &- 6 }

// Called by name and never inlined: callgrind counts inside each symbol only. Each ends in its
// own arithmetic on the result, or the optimiser merges the six into one body (a `Tm` function)
// and the counts of five of them into one.
var kept = stage1(messages)
kept &+= stage2(messages)
kept &+= stage3(messages)
kept &+= stage4(messages)
kept &+= stage5(messages)
kept &+= stage6(messages)
print("StageInstructions: \(messages) messages a stage, \(fixture.accepted.count) in the stream (checksum \(kept))")
