import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Command {
  op: string
  key: string
  value: Uint8Array<ArrayBuffer>
}

export namespace Command {
  let _codec: Codec<Command>

  export const codec = (): Codec<Command> => {
    if (_codec == null) {
      _codec = message<Command>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op !== '')) {
          w.uint32(10)
          w.string(obj.op)
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(18)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.value)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          key: '',
          value: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.op = reader.string()
              break
            }
            case 2: {
              obj.key = reader.string()
              break
            }
            case 3: {
              obj.value = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.op`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface CommandOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface CommandKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface CommandValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Command>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Command.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Command>): Command {
    return decodeMessage(buf, Command.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Command>): Generator<CommandOpFieldEvent | CommandKeyFieldEvent | CommandValueFieldEvent> {
    return streamMessage(buf, Command.codec(), opts)
  }
}

export interface SettingPair {
  key: string
  value: Uint8Array<ArrayBuffer>
}

export namespace SettingPair {
  let _codec: Codec<SettingPair>

  export const codec = (): Codec<SettingPair> => {
    if (_codec == null) {
      _codec = message<SettingPair>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(10)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.value)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          key: '',
          value: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.key = reader.string()
              break
            }
            case 2: {
              obj.value = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface SettingPairKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface SettingPairValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SettingPair>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SettingPair.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SettingPair>): SettingPair {
    return decodeMessage(buf, SettingPair.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SettingPair>): Generator<SettingPairKeyFieldEvent | SettingPairValueFieldEvent> {
    return streamMessage(buf, SettingPair.codec(), opts)
  }
}

export interface MasterSnapshot {
  settings: SettingPair[]
}

export namespace MasterSnapshot {
  let _codec: Codec<MasterSnapshot>

  export const codec = (): Codec<MasterSnapshot> => {
    if (_codec == null) {
      _codec = message<MasterSnapshot>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.settings != null && obj.settings.length > 0) {
          for (const value of obj.settings) {
            w.uint32(10)
            SettingPair.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          settings: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.settings != null && obj.settings.length === opts.limits.settings) {
                throw new MaxLengthError('Decode error - repeated field "settings" had too many elements')
              }

              obj.settings.push(SettingPair.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.settings$
              }))
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          settings: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.settings != null && obj.settings === opts.limits.settings) {
                throw new MaxLengthError('Streaming decode error - repeated field "settings" had too many elements')
              }

              for (const evt of SettingPair.codec().stream(reader, reader.uint32(), `${prefix}.settings[]`, {
                limits: opts.limits?.settings$
              })) {
                yield {
                  ...evt,
                  index: obj.settings
                }
              }

              obj.settings++

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MasterSnapshotSettingsKeyFieldEvent {
    field: '$.settings[].key'
    value: string
    index: number
  }

  export interface MasterSnapshotSettingsValueFieldEvent {
    field: '$.settings[].value'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<MasterSnapshot>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MasterSnapshot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MasterSnapshot>): MasterSnapshot {
    return decodeMessage(buf, MasterSnapshot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MasterSnapshot>): Generator<MasterSnapshotSettingsKeyFieldEvent | MasterSnapshotSettingsValueFieldEvent> {
    return streamMessage(buf, MasterSnapshot.codec(), opts)
  }
}

export interface MetaRequest {
  op: string
  key: string
  value: Uint8Array<ArrayBuffer>
  forwarded: boolean
}

export namespace MetaRequest {
  let _codec: Codec<MetaRequest>

  export const codec = (): Codec<MetaRequest> => {
    if (_codec == null) {
      _codec = message<MetaRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op !== '')) {
          w.uint32(10)
          w.string(obj.op)
        }

        if ((obj.key != null && obj.key !== '')) {
          w.uint32(18)
          w.string(obj.key)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.value)
        }

        if ((obj.forwarded != null && obj.forwarded !== false)) {
          w.uint32(32)
          w.bool(obj.forwarded)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          key: '',
          value: uint8ArrayAlloc(0),
          forwarded: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.op = reader.string()
              break
            }
            case 2: {
              obj.key = reader.string()
              break
            }
            case 3: {
              obj.value = reader.bytes()
              break
            }
            case 4: {
              obj.forwarded = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.op`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.key`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.forwarded`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MetaRequestOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface MetaRequestKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface MetaRequestValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MetaRequestForwardedFieldEvent {
    field: '$.forwarded'
    value: boolean
  }

  export function encode (obj: Partial<MetaRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MetaRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaRequest>): MetaRequest {
    return decodeMessage(buf, MetaRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaRequest>): Generator<MetaRequestOpFieldEvent | MetaRequestKeyFieldEvent | MetaRequestValueFieldEvent | MetaRequestForwardedFieldEvent> {
    return streamMessage(buf, MetaRequest.codec(), opts)
  }
}

export interface VoterProgress {
  peer: string
  match: bigint
  next: bigint
  state: string
  learner: boolean
}

export namespace VoterProgress {
  let _codec: Codec<VoterProgress>

  export const codec = (): Codec<VoterProgress> => {
    if (_codec == null) {
      _codec = message<VoterProgress>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if ((obj.match != null && obj.match !== 0n)) {
          w.uint32(16)
          w.uint64(obj.match)
        }

        if ((obj.next != null && obj.next !== 0n)) {
          w.uint32(24)
          w.uint64(obj.next)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(34)
          w.string(obj.state)
        }

        if ((obj.learner != null && obj.learner !== false)) {
          w.uint32(40)
          w.bool(obj.learner)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: '',
          match: 0n,
          next: 0n,
          state: '',
          learner: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peer = reader.string()
              break
            }
            case 2: {
              obj.match = reader.uint64()
              break
            }
            case 3: {
              obj.next = reader.uint64()
              break
            }
            case 4: {
              obj.state = reader.string()
              break
            }
            case 5: {
              obj.learner = reader.bool()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.match`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.next`,
                value: reader.uint64()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.state`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.learner`,
                value: reader.bool()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface VoterProgressPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface VoterProgressMatchFieldEvent {
    field: '$.match'
    value: bigint
  }

  export interface VoterProgressNextFieldEvent {
    field: '$.next'
    value: bigint
  }

  export interface VoterProgressStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface VoterProgressLearnerFieldEvent {
    field: '$.learner'
    value: boolean
  }

  export function encode (obj: Partial<VoterProgress>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VoterProgress.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VoterProgress>): VoterProgress {
    return decodeMessage(buf, VoterProgress.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VoterProgress>): Generator<VoterProgressPeerFieldEvent | VoterProgressMatchFieldEvent | VoterProgressNextFieldEvent | VoterProgressStateFieldEvent | VoterProgressLearnerFieldEvent> {
    return streamMessage(buf, VoterProgress.codec(), opts)
  }
}

export interface ClusterStatus {
  leader: string
  term: bigint
  voters: string[]
  learners: string[]
  commitIndex: bigint
  appliedIndex: bigint
  progress: VoterProgress[]
  answeredBy: string
}

export namespace ClusterStatus {
  let _codec: Codec<ClusterStatus>

  export const codec = (): Codec<ClusterStatus> => {
    if (_codec == null) {
      _codec = message<ClusterStatus>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.leader != null && obj.leader !== '')) {
          w.uint32(10)
          w.string(obj.leader)
        }

        if ((obj.term != null && obj.term !== 0n)) {
          w.uint32(16)
          w.uint64(obj.term)
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (obj.learners != null && obj.learners.length > 0) {
          for (const value of obj.learners) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.commitIndex != null && obj.commitIndex !== 0n)) {
          w.uint32(40)
          w.uint64(obj.commitIndex)
        }

        if ((obj.appliedIndex != null && obj.appliedIndex !== 0n)) {
          w.uint32(48)
          w.uint64(obj.appliedIndex)
        }

        if (obj.progress != null && obj.progress.length > 0) {
          for (const value of obj.progress) {
            w.uint32(58)
            VoterProgress.codec().encode(value, w)
          }
        }

        if ((obj.answeredBy != null && obj.answeredBy !== '')) {
          w.uint32(66)
          w.string(obj.answeredBy)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          leader: '',
          term: 0n,
          voters: [],
          learners: [],
          commitIndex: 0n,
          appliedIndex: 0n,
          progress: [],
          answeredBy: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.leader = reader.string()
              break
            }
            case 2: {
              obj.term = reader.uint64()
              break
            }
            case 3: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(reader.string())
              break
            }
            case 4: {
              if (opts.limits?.learners != null && obj.learners.length === opts.limits.learners) {
                throw new MaxLengthError('Decode error - repeated field "learners" had too many elements')
              }

              obj.learners.push(reader.string())
              break
            }
            case 5: {
              obj.commitIndex = reader.uint64()
              break
            }
            case 6: {
              obj.appliedIndex = reader.uint64()
              break
            }
            case 7: {
              if (opts.limits?.progress != null && obj.progress.length === opts.limits.progress) {
                throw new MaxLengthError('Decode error - repeated field "progress" had too many elements')
              }

              obj.progress.push(VoterProgress.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.progress$
              }))
              break
            }
            case 8: {
              obj.answeredBy = reader.string()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const obj = {
          voters: 0,
          learners: 0,
          progress: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.leader`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64()
              }
              break
            }
            case 3: {
              if (opts.limits?.voters != null && obj.voters === opts.limits.voters) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              yield {
                field: `${prefix}.voters[]`,
                index: obj.voters,
                value: reader.string()
              }

              obj.voters++

              break
            }
            case 4: {
              if (opts.limits?.learners != null && obj.learners === opts.limits.learners) {
                throw new MaxLengthError('Streaming decode error - repeated field "learners" had too many elements')
              }

              yield {
                field: `${prefix}.learners[]`,
                index: obj.learners,
                value: reader.string()
              }

              obj.learners++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.commitIndex`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.appliedIndex`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              if (opts.limits?.progress != null && obj.progress === opts.limits.progress) {
                throw new MaxLengthError('Streaming decode error - repeated field "progress" had too many elements')
              }

              for (const evt of VoterProgress.codec().stream(reader, reader.uint32(), `${prefix}.progress[]`, {
                limits: opts.limits?.progress$
              })) {
                yield {
                  ...evt,
                  index: obj.progress
                }
              }

              obj.progress++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.answeredBy`,
                value: reader.string()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ClusterStatusLeaderFieldEvent {
    field: '$.leader'
    value: string
  }

  export interface ClusterStatusTermFieldEvent {
    field: '$.term'
    value: bigint
  }

  export interface ClusterStatusVotersFieldEvent {
    field: '$.voters[]'
    index: number
    value: string
  }

  export interface ClusterStatusLearnersFieldEvent {
    field: '$.learners[]'
    index: number
    value: string
  }

  export interface ClusterStatusCommitIndexFieldEvent {
    field: '$.commitIndex'
    value: bigint
  }

  export interface ClusterStatusAppliedIndexFieldEvent {
    field: '$.appliedIndex'
    value: bigint
  }

  export interface ClusterStatusProgressPeerFieldEvent {
    field: '$.progress[].peer'
    value: string
    index: number
  }

  export interface ClusterStatusProgressMatchFieldEvent {
    field: '$.progress[].match'
    value: bigint
    index: number
  }

  export interface ClusterStatusProgressNextFieldEvent {
    field: '$.progress[].next'
    value: bigint
    index: number
  }

  export interface ClusterStatusProgressStateFieldEvent {
    field: '$.progress[].state'
    value: string
    index: number
  }

  export interface ClusterStatusProgressLearnerFieldEvent {
    field: '$.progress[].learner'
    value: boolean
    index: number
  }

  export interface ClusterStatusAnsweredByFieldEvent {
    field: '$.answeredBy'
    value: string
  }

  export function encode (obj: Partial<ClusterStatus>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ClusterStatus.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterStatus>): ClusterStatus {
    return decodeMessage(buf, ClusterStatus.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ClusterStatus>): Generator<ClusterStatusLeaderFieldEvent | ClusterStatusTermFieldEvent | ClusterStatusVotersFieldEvent | ClusterStatusLearnersFieldEvent | ClusterStatusCommitIndexFieldEvent | ClusterStatusAppliedIndexFieldEvent | ClusterStatusProgressPeerFieldEvent | ClusterStatusProgressMatchFieldEvent | ClusterStatusProgressNextFieldEvent | ClusterStatusProgressStateFieldEvent | ClusterStatusProgressLearnerFieldEvent | ClusterStatusAnsweredByFieldEvent> {
    return streamMessage(buf, ClusterStatus.codec(), opts)
  }
}

export interface MetaResponse {
  errorCode: string
  errorMessage: string
  leaderHint: string
  value: Uint8Array<ArrayBuffer>
  found: boolean
  status?: ClusterStatus
}

export namespace MetaResponse {
  let _codec: Codec<MetaResponse>

  export const codec = (): Codec<MetaResponse> => {
    if (_codec == null) {
      _codec = message<MetaResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.errorCode != null && obj.errorCode !== '')) {
          w.uint32(10)
          w.string(obj.errorCode)
        }

        if ((obj.errorMessage != null && obj.errorMessage !== '')) {
          w.uint32(18)
          w.string(obj.errorMessage)
        }

        if ((obj.leaderHint != null && obj.leaderHint !== '')) {
          w.uint32(26)
          w.string(obj.leaderHint)
        }

        if ((obj.value != null && obj.value.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.value)
        }

        if ((obj.found != null && obj.found !== false)) {
          w.uint32(40)
          w.bool(obj.found)
        }

        if (obj.status != null) {
          w.uint32(50)
          ClusterStatus.codec().encode(obj.status, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          leaderHint: '',
          value: uint8ArrayAlloc(0),
          found: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.errorCode = reader.string()
              break
            }
            case 2: {
              obj.errorMessage = reader.string()
              break
            }
            case 3: {
              obj.leaderHint = reader.string()
              break
            }
            case 4: {
              obj.value = reader.bytes()
              break
            }
            case 5: {
              obj.found = reader.bool()
              break
            }
            case 6: {
              obj.status = ClusterStatus.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.status
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.errorCode`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.errorMessage`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.leaderHint`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.value`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.found`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield * ClusterStatus.codec().stream(reader, reader.uint32(), `${prefix}.status`, {
                limits: opts.limits?.status
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface MetaResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface MetaResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface MetaResponseLeaderHintFieldEvent {
    field: '$.leaderHint'
    value: string
  }

  export interface MetaResponseValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface MetaResponseFoundFieldEvent {
    field: '$.found'
    value: boolean
  }

  export interface MetaResponseStatusLeaderFieldEvent {
    field: '$.status.leader'
    value: string
  }

  export interface MetaResponseStatusTermFieldEvent {
    field: '$.status.term'
    value: bigint
  }

  export interface MetaResponseStatusVotersFieldEvent {
    field: '$.status.voters[]'
    index: number
    value: string
  }

  export interface MetaResponseStatusLearnersFieldEvent {
    field: '$.status.learners[]'
    index: number
    value: string
  }

  export interface MetaResponseStatusCommitIndexFieldEvent {
    field: '$.status.commitIndex'
    value: bigint
  }

  export interface MetaResponseStatusAppliedIndexFieldEvent {
    field: '$.status.appliedIndex'
    value: bigint
  }

  export interface MetaResponseStatusProgressPeerFieldEvent {
    field: '$.status.progress[].peer'
    value: string
    index: number
  }

  export interface MetaResponseStatusProgressMatchFieldEvent {
    field: '$.status.progress[].match'
    value: bigint
    index: number
  }

  export interface MetaResponseStatusProgressNextFieldEvent {
    field: '$.status.progress[].next'
    value: bigint
    index: number
  }

  export interface MetaResponseStatusProgressStateFieldEvent {
    field: '$.status.progress[].state'
    value: string
    index: number
  }

  export interface MetaResponseStatusProgressLearnerFieldEvent {
    field: '$.status.progress[].learner'
    value: boolean
    index: number
  }

  export interface MetaResponseStatusAnsweredByFieldEvent {
    field: '$.status.answeredBy'
    value: string
  }

  export function encode (obj: Partial<MetaResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MetaResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaResponse>): MetaResponse {
    return decodeMessage(buf, MetaResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaResponse>): Generator<MetaResponseErrorCodeFieldEvent | MetaResponseErrorMessageFieldEvent | MetaResponseLeaderHintFieldEvent | MetaResponseValueFieldEvent | MetaResponseFoundFieldEvent | MetaResponseStatusLeaderFieldEvent | MetaResponseStatusTermFieldEvent | MetaResponseStatusVotersFieldEvent | MetaResponseStatusLearnersFieldEvent | MetaResponseStatusCommitIndexFieldEvent | MetaResponseStatusAppliedIndexFieldEvent | MetaResponseStatusProgressPeerFieldEvent | MetaResponseStatusProgressMatchFieldEvent | MetaResponseStatusProgressNextFieldEvent | MetaResponseStatusProgressStateFieldEvent | MetaResponseStatusProgressLearnerFieldEvent | MetaResponseStatusAnsweredByFieldEvent> {
    return streamMessage(buf, MetaResponse.codec(), opts)
  }
}
