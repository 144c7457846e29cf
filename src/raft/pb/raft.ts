import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export enum MessageType {
  UNKNOWN = 'UNKNOWN',
  APP = 'APP',
  APP_RESP = 'APP_RESP',
  HEARTBEAT = 'HEARTBEAT',
  HEARTBEAT_RESP = 'HEARTBEAT_RESP',
  VOTE = 'VOTE',
  VOTE_RESP = 'VOTE_RESP',
  PRE_VOTE = 'PRE_VOTE',
  PRE_VOTE_RESP = 'PRE_VOTE_RESP',
  SNAPSHOT = 'SNAPSHOT',
  SNAPSHOT_RESP = 'SNAPSHOT_RESP',
  TIMEOUT_NOW = 'TIMEOUT_NOW',
  TRANSFER_LEADER = 'TRANSFER_LEADER',
  READ_INDEX = 'READ_INDEX',
  READ_INDEX_RESP = 'READ_INDEX_RESP'
}

enum __MessageTypeValues {
  UNKNOWN = 0,
  APP = 1,
  APP_RESP = 2,
  HEARTBEAT = 3,
  HEARTBEAT_RESP = 4,
  VOTE = 5,
  VOTE_RESP = 6,
  PRE_VOTE = 7,
  PRE_VOTE_RESP = 8,
  SNAPSHOT = 9,
  SNAPSHOT_RESP = 10,
  TIMEOUT_NOW = 11,
  TRANSFER_LEADER = 12,
  READ_INDEX = 13,
  READ_INDEX_RESP = 14
}

export namespace MessageType {
  export const codec = (): Codec<MessageType> => {
    return enumeration<MessageType>(__MessageTypeValues)
  }
}

export interface WireEntry {
  index: bigint
  term: bigint
  conf: boolean
  data: Uint8Array<ArrayBuffer>
}

export namespace WireEntry {
  let _codec: Codec<WireEntry>

  export const codec = (): Codec<WireEntry> => {
    if (_codec == null) {
      _codec = message<WireEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0n)) {
          w.uint32(8)
          w.uint64(obj.index)
        }

        if ((obj.term != null && obj.term !== 0n)) {
          w.uint32(16)
          w.uint64(obj.term)
        }

        if ((obj.conf != null && obj.conf !== false)) {
          w.uint32(24)
          w.bool(obj.conf)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0n,
          term: 0n,
          conf: false,
          data: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64()
              break
            }
            case 2: {
              obj.term = reader.uint64()
              break
            }
            case 3: {
              obj.conf = reader.bool()
              break
            }
            case 4: {
              obj.data = reader.bytes()
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
                field: `${prefix}.index`,
                value: reader.uint64()
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
              yield {
                field: `${prefix}.conf`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
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

  export interface WireEntryIndexFieldEvent {
    field: '$.index'
    value: bigint
  }

  export interface WireEntryTermFieldEvent {
    field: '$.term'
    value: bigint
  }

  export interface WireEntryConfFieldEvent {
    field: '$.conf'
    value: boolean
  }

  export interface WireEntryDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<WireEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireEntry>): WireEntry {
    return decodeMessage(buf, WireEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireEntry>): Generator<WireEntryIndexFieldEvent | WireEntryTermFieldEvent | WireEntryConfFieldEvent | WireEntryDataFieldEvent> {
    return streamMessage(buf, WireEntry.codec(), opts)
  }
}

export interface WireConfState {
  voters: string[]
  learners: string[]
}

export namespace WireConfState {
  let _codec: Codec<WireConfState>

  export const codec = (): Codec<WireConfState> => {
    if (_codec == null) {
      _codec = message<WireConfState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(10)
            w.string(value)
          }
        }

        if (obj.learners != null && obj.learners.length > 0) {
          for (const value of obj.learners) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          voters: [],
          learners: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(reader.string())
              break
            }
            case 2: {
              if (opts.limits?.learners != null && obj.learners.length === opts.limits.learners) {
                throw new MaxLengthError('Decode error - repeated field "learners" had too many elements')
              }

              obj.learners.push(reader.string())
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
          learners: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
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
            case 2: {
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

  export interface WireConfStateVotersFieldEvent {
    field: '$.voters[]'
    index: number
    value: string
  }

  export interface WireConfStateLearnersFieldEvent {
    field: '$.learners[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<WireConfState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireConfState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireConfState>): WireConfState {
    return decodeMessage(buf, WireConfState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireConfState>): Generator<WireConfStateVotersFieldEvent | WireConfStateLearnersFieldEvent> {
    return streamMessage(buf, WireConfState.codec(), opts)
  }
}

export interface WireSnapshotMeta {
  index: bigint
  term: bigint
  confState?: WireConfState
}

export namespace WireSnapshotMeta {
  let _codec: Codec<WireSnapshotMeta>

  export const codec = (): Codec<WireSnapshotMeta> => {
    if (_codec == null) {
      _codec = message<WireSnapshotMeta>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0n)) {
          w.uint32(8)
          w.uint64(obj.index)
        }

        if ((obj.term != null && obj.term !== 0n)) {
          w.uint32(16)
          w.uint64(obj.term)
        }

        if (obj.confState != null) {
          w.uint32(26)
          WireConfState.codec().encode(obj.confState, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0n,
          term: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64()
              break
            }
            case 2: {
              obj.term = reader.uint64()
              break
            }
            case 3: {
              obj.confState = WireConfState.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.confState
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
                field: `${prefix}.index`,
                value: reader.uint64()
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
              yield * WireConfState.codec().stream(reader, reader.uint32(), `${prefix}.confState`, {
                limits: opts.limits?.confState
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

  export interface WireSnapshotMetaIndexFieldEvent {
    field: '$.index'
    value: bigint
  }

  export interface WireSnapshotMetaTermFieldEvent {
    field: '$.term'
    value: bigint
  }

  export interface WireSnapshotMetaConfStateVotersFieldEvent {
    field: '$.confState.voters[]'
    index: number
    value: string
  }

  export interface WireSnapshotMetaConfStateLearnersFieldEvent {
    field: '$.confState.learners[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<WireSnapshotMeta>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireSnapshotMeta.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireSnapshotMeta>): WireSnapshotMeta {
    return decodeMessage(buf, WireSnapshotMeta.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireSnapshotMeta>): Generator<WireSnapshotMetaIndexFieldEvent | WireSnapshotMetaTermFieldEvent | WireSnapshotMetaConfStateVotersFieldEvent | WireSnapshotMetaConfStateLearnersFieldEvent> {
    return streamMessage(buf, WireSnapshotMeta.codec(), opts)
  }
}

export interface WireMessage {
  type: MessageType
  from: string
  to: string
  term: bigint
  index: bigint
  logTerm: bigint
  entries: WireEntry[]
  commit: bigint
  reject: boolean
  rejectHint: bigint
  ctx: string
  force: boolean
  meta?: WireSnapshotMeta
  offset: bigint
  data: Uint8Array<ArrayBuffer>
  done: boolean
  snapshotIndex: bigint
  nextOffset: bigint
  transferee: string
}

export namespace WireMessage {
  let _codec: Codec<WireMessage>

  export const codec = (): Codec<WireMessage> => {
    if (_codec == null) {
      _codec = message<WireMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __MessageTypeValues[obj.type] !== 0) {
          w.uint32(8)
          MessageType.codec().encode(obj.type, w)
        }

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(18)
          w.string(obj.from)
        }

        if ((obj.to != null && obj.to !== '')) {
          w.uint32(26)
          w.string(obj.to)
        }

        if ((obj.term != null && obj.term !== 0n)) {
          w.uint32(32)
          w.uint64(obj.term)
        }

        if ((obj.index != null && obj.index !== 0n)) {
          w.uint32(40)
          w.uint64(obj.index)
        }

        if ((obj.logTerm != null && obj.logTerm !== 0n)) {
          w.uint32(48)
          w.uint64(obj.logTerm)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(58)
            WireEntry.codec().encode(value, w)
          }
        }

        if ((obj.commit != null && obj.commit !== 0n)) {
          w.uint32(64)
          w.uint64(obj.commit)
        }

        if ((obj.reject != null && obj.reject !== false)) {
          w.uint32(72)
          w.bool(obj.reject)
        }

        if ((obj.rejectHint != null && obj.rejectHint !== 0n)) {
          w.uint32(80)
          w.uint64(obj.rejectHint)
        }

        if ((obj.ctx != null && obj.ctx !== '')) {
          w.uint32(90)
          w.string(obj.ctx)
        }

        if ((obj.force != null && obj.force !== false)) {
          w.uint32(96)
          w.bool(obj.force)
        }

        if (obj.meta != null) {
          w.uint32(106)
          WireSnapshotMeta.codec().encode(obj.meta, w)
        }

        if ((obj.offset != null && obj.offset !== 0n)) {
          w.uint32(112)
          w.uint64(obj.offset)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(122)
          w.bytes(obj.data)
        }

        if ((obj.done != null && obj.done !== false)) {
          w.uint32(128)
          w.bool(obj.done)
        }

        if ((obj.snapshotIndex != null && obj.snapshotIndex !== 0n)) {
          w.uint32(136)
          w.uint64(obj.snapshotIndex)
        }

        if ((obj.nextOffset != null && obj.nextOffset !== 0n)) {
          w.uint32(144)
          w.uint64(obj.nextOffset)
        }

        if ((obj.transferee != null && obj.transferee !== '')) {
          w.uint32(154)
          w.string(obj.transferee)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: MessageType.UNKNOWN,
          from: '',
          to: '',
          term: 0n,
          index: 0n,
          logTerm: 0n,
          entries: [],
          commit: 0n,
          reject: false,
          rejectHint: 0n,
          ctx: '',
          force: false,
          offset: 0n,
          data: uint8ArrayAlloc(0),
          done: false,
          snapshotIndex: 0n,
          nextOffset: 0n,
          transferee: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = MessageType.codec().decode(reader)
              break
            }
            case 2: {
              obj.from = reader.string()
              break
            }
            case 3: {
              obj.to = reader.string()
              break
            }
            case 4: {
              obj.term = reader.uint64()
              break
            }
            case 5: {
              obj.index = reader.uint64()
              break
            }
            case 6: {
              obj.logTerm = reader.uint64()
              break
            }
            case 7: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(WireEntry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 8: {
              obj.commit = reader.uint64()
              break
            }
            case 9: {
              obj.reject = reader.bool()
              break
            }
            case 10: {
              obj.rejectHint = reader.uint64()
              break
            }
            case 11: {
              obj.ctx = reader.string()
              break
            }
            case 12: {
              obj.force = reader.bool()
              break
            }
            case 13: {
              obj.meta = WireSnapshotMeta.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.meta
              })
              break
            }
            case 14: {
              obj.offset = reader.uint64()
              break
            }
            case 15: {
              obj.data = reader.bytes()
              break
            }
            case 16: {
              obj.done = reader.bool()
              break
            }
            case 17: {
              obj.snapshotIndex = reader.uint64()
              break
            }
            case 18: {
              obj.nextOffset = reader.uint64()
              break
            }
            case 19: {
              obj.transferee = reader.string()
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
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.type`,
                value: MessageType.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.to`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.logTerm`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of WireEntry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 8: {
              yield {
                field: `${prefix}.commit`,
                value: reader.uint64()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.reject`,
                value: reader.bool()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.rejectHint`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.ctx`,
                value: reader.string()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.force`,
                value: reader.bool()
              }
              break
            }
            case 13: {
              yield * WireSnapshotMeta.codec().stream(reader, reader.uint32(), `${prefix}.meta`, {
                limits: opts.limits?.meta
              })

              break
            }
            case 14: {
              yield {
                field: `${prefix}.offset`,
                value: reader.uint64()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.done`,
                value: reader.bool()
              }
              break
            }
            case 17: {
              yield {
                field: `${prefix}.snapshotIndex`,
                value: reader.uint64()
              }
              break
            }
            case 18: {
              yield {
                field: `${prefix}.nextOffset`,
                value: reader.uint64()
              }
              break
            }
            case 19: {
              yield {
                field: `${prefix}.transferee`,
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

  export interface WireMessageTypeFieldEvent {
    field: '$.type'
    value: MessageType
  }

  export interface WireMessageFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface WireMessageToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface WireMessageTermFieldEvent {
    field: '$.term'
    value: bigint
  }

  export interface WireMessageIndexFieldEvent {
    field: '$.index'
    value: bigint
  }

  export interface WireMessageLogTermFieldEvent {
    field: '$.logTerm'
    value: bigint
  }

  export interface WireMessageEntriesIndexFieldEvent {
    field: '$.entries[].index'
    value: bigint
    index: number
  }

  export interface WireMessageEntriesTermFieldEvent {
    field: '$.entries[].term'
    value: bigint
    index: number
  }

  export interface WireMessageEntriesConfFieldEvent {
    field: '$.entries[].conf'
    value: boolean
    index: number
  }

  export interface WireMessageEntriesDataFieldEvent {
    field: '$.entries[].data'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface WireMessageCommitFieldEvent {
    field: '$.commit'
    value: bigint
  }

  export interface WireMessageRejectFieldEvent {
    field: '$.reject'
    value: boolean
  }

  export interface WireMessageRejectHintFieldEvent {
    field: '$.rejectHint'
    value: bigint
  }

  export interface WireMessageCtxFieldEvent {
    field: '$.ctx'
    value: string
  }

  export interface WireMessageForceFieldEvent {
    field: '$.force'
    value: boolean
  }

  export interface WireMessageMetaIndexFieldEvent {
    field: '$.meta.index'
    value: bigint
  }

  export interface WireMessageMetaTermFieldEvent {
    field: '$.meta.term'
    value: bigint
  }

  export interface WireMessageMetaConfStateVotersFieldEvent {
    field: '$.meta.confState.voters[]'
    index: number
    value: string
  }

  export interface WireMessageMetaConfStateLearnersFieldEvent {
    field: '$.meta.confState.learners[]'
    index: number
    value: string
  }

  export interface WireMessageOffsetFieldEvent {
    field: '$.offset'
    value: bigint
  }

  export interface WireMessageDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WireMessageDoneFieldEvent {
    field: '$.done'
    value: boolean
  }

  export interface WireMessageSnapshotIndexFieldEvent {
    field: '$.snapshotIndex'
    value: bigint
  }

  export interface WireMessageNextOffsetFieldEvent {
    field: '$.nextOffset'
    value: bigint
  }

  export interface WireMessageTransfereeFieldEvent {
    field: '$.transferee'
    value: string
  }

  export function encode (obj: Partial<WireMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WireMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireMessage>): WireMessage {
    return decodeMessage(buf, WireMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WireMessage>): Generator<WireMessageTypeFieldEvent | WireMessageFromFieldEvent | WireMessageToFieldEvent | WireMessageTermFieldEvent | WireMessageIndexFieldEvent | WireMessageLogTermFieldEvent | WireMessageEntriesIndexFieldEvent | WireMessageEntriesTermFieldEvent | WireMessageEntriesConfFieldEvent | WireMessageEntriesDataFieldEvent | WireMessageCommitFieldEvent | WireMessageRejectFieldEvent | WireMessageRejectHintFieldEvent | WireMessageCtxFieldEvent | WireMessageForceFieldEvent | WireMessageMetaIndexFieldEvent | WireMessageMetaTermFieldEvent | WireMessageMetaConfStateVotersFieldEvent | WireMessageMetaConfStateLearnersFieldEvent | WireMessageOffsetFieldEvent | WireMessageDataFieldEvent | WireMessageDoneFieldEvent | WireMessageSnapshotIndexFieldEvent | WireMessageNextOffsetFieldEvent | WireMessageTransfereeFieldEvent> {
    return streamMessage(buf, WireMessage.codec(), opts)
  }
}
