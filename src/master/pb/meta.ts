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
  fs?: FsRequest
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

        if (obj.fs != null) {
          w.uint32(42)
          FsRequest.codec().encode(obj.fs, w)
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
            case 5: {
              obj.fs = FsRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fs
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
            case 5: {
              yield * FsRequest.codec().stream(reader, reader.uint32(), `${prefix}.fs`, {
                limits: opts.limits?.fs
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

  export interface MetaRequestFsOpFieldEvent {
    field: '$.fs.op'
    value: string
  }

  export interface MetaRequestFsPathFieldEvent {
    field: '$.fs.path'
    value: string
  }

  export interface MetaRequestFsDstFieldEvent {
    field: '$.fs.dst'
    value: string
  }

  export interface MetaRequestFsParentsFieldEvent {
    field: '$.fs.parents'
    value: boolean
  }

  export interface MetaRequestFsRecursiveFieldEvent {
    field: '$.fs.recursive'
    value: boolean
  }

  export interface MetaRequestFsReplicationFieldEvent {
    field: '$.fs.replication'
    value: number
  }

  export interface MetaRequestFsChunkSizeBytesFieldEvent {
    field: '$.fs.chunkSizeBytes'
    value: number
  }

  export interface MetaRequestFsClientIdFieldEvent {
    field: '$.fs.clientId'
    value: string
  }

  export interface MetaRequestFsFileIdFieldEvent {
    field: '$.fs.fileId'
    value: number
  }

  export interface MetaRequestFsChunkIdFieldEvent {
    field: '$.fs.chunkId'
    value: string
  }

  export interface MetaRequestFsVersionFieldEvent {
    field: '$.fs.version'
    value: number
  }

  export interface MetaRequestFsSizeBytesFieldEvent {
    field: '$.fs.sizeBytes'
    value: number
  }

  export interface MetaRequestFsWriterPeerFieldEvent {
    field: '$.fs.writerPeer'
    value: string
  }

  export interface MetaRequestFsExcludePeersFieldEvent {
    field: '$.fs.excludePeers[]'
    index: number
    value: string
  }

  export interface MetaRequestFsAfterFieldEvent {
    field: '$.fs.after'
    value: string
  }

  export interface MetaRequestFsLimitFieldEvent {
    field: '$.fs.limit'
    value: number
  }

  export interface MetaRequestFsPeerFieldEvent {
    field: '$.fs.peer'
    value: string
  }

  export interface MetaRequestFsThresholdPctFieldEvent {
    field: '$.fs.thresholdPct'
    value: number
  }

  export interface MetaRequestFsBudgetMsFieldEvent {
    field: '$.fs.budgetMs'
    value: number
  }

  export function encode (obj: Partial<MetaRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MetaRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaRequest>): MetaRequest {
    return decodeMessage(buf, MetaRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaRequest>): Generator<MetaRequestOpFieldEvent | MetaRequestKeyFieldEvent | MetaRequestValueFieldEvent | MetaRequestForwardedFieldEvent | MetaRequestFsOpFieldEvent | MetaRequestFsPathFieldEvent | MetaRequestFsDstFieldEvent | MetaRequestFsParentsFieldEvent | MetaRequestFsRecursiveFieldEvent | MetaRequestFsReplicationFieldEvent | MetaRequestFsChunkSizeBytesFieldEvent | MetaRequestFsClientIdFieldEvent | MetaRequestFsFileIdFieldEvent | MetaRequestFsChunkIdFieldEvent | MetaRequestFsVersionFieldEvent | MetaRequestFsSizeBytesFieldEvent | MetaRequestFsWriterPeerFieldEvent | MetaRequestFsExcludePeersFieldEvent | MetaRequestFsAfterFieldEvent | MetaRequestFsLimitFieldEvent | MetaRequestFsPeerFieldEvent | MetaRequestFsThresholdPctFieldEvent | MetaRequestFsBudgetMsFieldEvent> {
    return streamMessage(buf, MetaRequest.codec(), opts)
  }
}

export interface FsRequest {
  op: string
  path: string
  dst: string
  parents: boolean
  recursive: boolean
  replication: number
  chunkSizeBytes: number
  clientId: string
  fileId: number
  chunkId: string
  version: number
  sizeBytes: number
  writerPeer: string
  excludePeers: string[]
  after: string
  limit: number
  peer: string
  thresholdPct?: number
  budgetMs?: number
}

export namespace FsRequest {
  let _codec: Codec<FsRequest>

  export const codec = (): Codec<FsRequest> => {
    if (_codec == null) {
      _codec = message<FsRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op !== '')) {
          w.uint32(10)
          w.string(obj.op)
        }

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(18)
          w.string(obj.path)
        }

        if ((obj.dst != null && obj.dst !== '')) {
          w.uint32(26)
          w.string(obj.dst)
        }

        if ((obj.parents != null && obj.parents !== false)) {
          w.uint32(32)
          w.bool(obj.parents)
        }

        if ((obj.recursive != null && obj.recursive !== false)) {
          w.uint32(40)
          w.bool(obj.recursive)
        }

        if ((obj.replication != null && obj.replication !== 0)) {
          w.uint32(48)
          w.uint32(obj.replication)
        }

        if ((obj.chunkSizeBytes != null && obj.chunkSizeBytes !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.chunkSizeBytes)
        }

        if ((obj.clientId != null && obj.clientId !== '')) {
          w.uint32(66)
          w.string(obj.clientId)
        }

        if ((obj.fileId != null && obj.fileId !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.fileId)
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(82)
          w.string(obj.chunkId)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(88)
          w.uint64Number(obj.version)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(96)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.writerPeer != null && obj.writerPeer !== '')) {
          w.uint32(106)
          w.string(obj.writerPeer)
        }

        if (obj.excludePeers != null && obj.excludePeers.length > 0) {
          for (const value of obj.excludePeers) {
            w.uint32(114)
            w.string(value)
          }
        }

        if ((obj.after != null && obj.after !== '')) {
          w.uint32(122)
          w.string(obj.after)
        }

        if ((obj.limit != null && obj.limit !== 0)) {
          w.uint32(128)
          w.uint32(obj.limit)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(138)
          w.string(obj.peer)
        }

        if (obj.thresholdPct != null) {
          w.uint32(241)
          w.double(obj.thresholdPct)
        }

        if (obj.budgetMs != null) {
          w.uint32(248)
          w.uint32(obj.budgetMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          path: '',
          dst: '',
          parents: false,
          recursive: false,
          replication: 0,
          chunkSizeBytes: 0,
          clientId: '',
          fileId: 0,
          chunkId: '',
          version: 0,
          sizeBytes: 0,
          writerPeer: '',
          excludePeers: [],
          after: '',
          limit: 0,
          peer: ''
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
              obj.path = reader.string()
              break
            }
            case 3: {
              obj.dst = reader.string()
              break
            }
            case 4: {
              obj.parents = reader.bool()
              break
            }
            case 5: {
              obj.recursive = reader.bool()
              break
            }
            case 6: {
              obj.replication = reader.uint32()
              break
            }
            case 7: {
              obj.chunkSizeBytes = reader.uint64Number()
              break
            }
            case 8: {
              obj.clientId = reader.string()
              break
            }
            case 9: {
              obj.fileId = reader.uint64Number()
              break
            }
            case 10: {
              obj.chunkId = reader.string()
              break
            }
            case 11: {
              obj.version = reader.uint64Number()
              break
            }
            case 12: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 13: {
              obj.writerPeer = reader.string()
              break
            }
            case 14: {
              if (opts.limits?.excludePeers != null && obj.excludePeers.length === opts.limits.excludePeers) {
                throw new MaxLengthError('Decode error - repeated field "excludePeers" had too many elements')
              }

              obj.excludePeers.push(reader.string())
              break
            }
            case 15: {
              obj.after = reader.string()
              break
            }
            case 16: {
              obj.limit = reader.uint32()
              break
            }
            case 17: {
              obj.peer = reader.string()
              break
            }
            case 30: {
              obj.thresholdPct = reader.double()
              break
            }
            case 31: {
              obj.budgetMs = reader.uint32()
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
          excludePeers: 0
        }

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
                field: `${prefix}.path`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.dst`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.parents`,
                value: reader.bool()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.recursive`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.replication`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.chunkSizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.clientId`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.fileId`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.chunkId`,
                value: reader.string()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.writerPeer`,
                value: reader.string()
              }
              break
            }
            case 14: {
              if (opts.limits?.excludePeers != null && obj.excludePeers === opts.limits.excludePeers) {
                throw new MaxLengthError('Streaming decode error - repeated field "excludePeers" had too many elements')
              }

              yield {
                field: `${prefix}.excludePeers[]`,
                index: obj.excludePeers,
                value: reader.string()
              }

              obj.excludePeers++

              break
            }
            case 15: {
              yield {
                field: `${prefix}.after`,
                value: reader.string()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.limit`,
                value: reader.uint32()
              }
              break
            }
            case 17: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 30: {
              yield {
                field: `${prefix}.thresholdPct`,
                value: reader.double()
              }
              break
            }
            case 31: {
              yield {
                field: `${prefix}.budgetMs`,
                value: reader.uint32()
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

  export interface FsRequestOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface FsRequestPathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface FsRequestDstFieldEvent {
    field: '$.dst'
    value: string
  }

  export interface FsRequestParentsFieldEvent {
    field: '$.parents'
    value: boolean
  }

  export interface FsRequestRecursiveFieldEvent {
    field: '$.recursive'
    value: boolean
  }

  export interface FsRequestReplicationFieldEvent {
    field: '$.replication'
    value: number
  }

  export interface FsRequestChunkSizeBytesFieldEvent {
    field: '$.chunkSizeBytes'
    value: number
  }

  export interface FsRequestClientIdFieldEvent {
    field: '$.clientId'
    value: string
  }

  export interface FsRequestFileIdFieldEvent {
    field: '$.fileId'
    value: number
  }

  export interface FsRequestChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface FsRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface FsRequestSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface FsRequestWriterPeerFieldEvent {
    field: '$.writerPeer'
    value: string
  }

  export interface FsRequestExcludePeersFieldEvent {
    field: '$.excludePeers[]'
    index: number
    value: string
  }

  export interface FsRequestAfterFieldEvent {
    field: '$.after'
    value: string
  }

  export interface FsRequestLimitFieldEvent {
    field: '$.limit'
    value: number
  }

  export interface FsRequestPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface FsRequestThresholdPctFieldEvent {
    field: '$.thresholdPct'
    value: number
  }

  export interface FsRequestBudgetMsFieldEvent {
    field: '$.budgetMs'
    value: number
  }

  export function encode (obj: Partial<FsRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsRequest>): FsRequest {
    return decodeMessage(buf, FsRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsRequest>): Generator<FsRequestOpFieldEvent | FsRequestPathFieldEvent | FsRequestDstFieldEvent | FsRequestParentsFieldEvent | FsRequestRecursiveFieldEvent | FsRequestReplicationFieldEvent | FsRequestChunkSizeBytesFieldEvent | FsRequestClientIdFieldEvent | FsRequestFileIdFieldEvent | FsRequestChunkIdFieldEvent | FsRequestVersionFieldEvent | FsRequestSizeBytesFieldEvent | FsRequestWriterPeerFieldEvent | FsRequestExcludePeersFieldEvent | FsRequestAfterFieldEvent | FsRequestLimitFieldEvent | FsRequestPeerFieldEvent | FsRequestThresholdPctFieldEvent | FsRequestBudgetMsFieldEvent> {
    return streamMessage(buf, FsRequest.codec(), opts)
  }
}

export interface FsReplica {
  peer: string
  rack: string
  addresses: string[]
}

export namespace FsReplica {
  let _codec: Codec<FsReplica>

  export const codec = (): Codec<FsReplica> => {
    if (_codec == null) {
      _codec = message<FsReplica>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if ((obj.rack != null && obj.rack !== '')) {
          w.uint32(18)
          w.string(obj.rack)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: '',
          rack: '',
          addresses: []
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
              obj.rack = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.string())
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
          addresses: 0
        }

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
                field: `${prefix}.rack`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.addresses != null && obj.addresses === opts.limits.addresses) {
                throw new MaxLengthError('Streaming decode error - repeated field "addresses" had too many elements')
              }

              yield {
                field: `${prefix}.addresses[]`,
                index: obj.addresses,
                value: reader.string()
              }

              obj.addresses++

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

  export interface FsReplicaPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface FsReplicaRackFieldEvent {
    field: '$.rack'
    value: string
  }

  export interface FsReplicaAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<FsReplica>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsReplica.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsReplica>): FsReplica {
    return decodeMessage(buf, FsReplica.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsReplica>): Generator<FsReplicaPeerFieldEvent | FsReplicaRackFieldEvent | FsReplicaAddressesFieldEvent> {
    return streamMessage(buf, FsReplica.codec(), opts)
  }
}

export interface FsChunk {
  chunkId: string
  index: number
  version: number
  sizeBytes: number
  committed: boolean
  replicas: FsReplica[]
}

export namespace FsChunk {
  let _codec: Codec<FsChunk>

  export const codec = (): Codec<FsChunk> => {
    if (_codec == null) {
      _codec = message<FsChunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(10)
          w.string(obj.chunkId)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.index)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.version)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.committed != null && obj.committed !== false)) {
          w.uint32(40)
          w.bool(obj.committed)
        }

        if (obj.replicas != null && obj.replicas.length > 0) {
          for (const value of obj.replicas) {
            w.uint32(50)
            FsReplica.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunkId: '',
          index: 0,
          version: 0,
          sizeBytes: 0,
          committed: false,
          replicas: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.chunkId = reader.string()
              break
            }
            case 2: {
              obj.index = reader.uint64Number()
              break
            }
            case 3: {
              obj.version = reader.uint64Number()
              break
            }
            case 4: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.committed = reader.bool()
              break
            }
            case 6: {
              if (opts.limits?.replicas != null && obj.replicas.length === opts.limits.replicas) {
                throw new MaxLengthError('Decode error - repeated field "replicas" had too many elements')
              }

              obj.replicas.push(FsReplica.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.replicas$
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
          replicas: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.chunkId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.committed`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              if (opts.limits?.replicas != null && obj.replicas === opts.limits.replicas) {
                throw new MaxLengthError('Streaming decode error - repeated field "replicas" had too many elements')
              }

              for (const evt of FsReplica.codec().stream(reader, reader.uint32(), `${prefix}.replicas[]`, {
                limits: opts.limits?.replicas$
              })) {
                yield {
                  ...evt,
                  index: obj.replicas
                }
              }

              obj.replicas++

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

  export interface FsChunkChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface FsChunkIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface FsChunkVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface FsChunkSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface FsChunkCommittedFieldEvent {
    field: '$.committed'
    value: boolean
  }

  export interface FsChunkReplicasPeerFieldEvent {
    field: '$.replicas[].peer'
    value: string
    index: number
  }

  export interface FsChunkReplicasRackFieldEvent {
    field: '$.replicas[].rack'
    value: string
    index: number
  }

  export interface FsChunkReplicasAddressesFieldEvent {
    field: '$.replicas[].addresses[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<FsChunk>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsChunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsChunk>): FsChunk {
    return decodeMessage(buf, FsChunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsChunk>): Generator<FsChunkChunkIdFieldEvent | FsChunkIndexFieldEvent | FsChunkVersionFieldEvent | FsChunkSizeBytesFieldEvent | FsChunkCommittedFieldEvent | FsChunkReplicasPeerFieldEvent | FsChunkReplicasRackFieldEvent | FsChunkReplicasAddressesFieldEvent> {
    return streamMessage(buf, FsChunk.codec(), opts)
  }
}

export interface FsStat {
  path: string
  kind: string
  sizeBytes: number
  replication: number
  chunkSizeBytes: number
  mtimeMs: number
  state: string
  chunks: FsChunk[]
  fileId: number
}

export namespace FsStat {
  let _codec: Codec<FsStat>

  export const codec = (): Codec<FsStat> => {
    if (_codec == null) {
      _codec = message<FsStat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(10)
          w.string(obj.path)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(18)
          w.string(obj.kind)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.replication != null && obj.replication !== 0)) {
          w.uint32(32)
          w.uint32(obj.replication)
        }

        if ((obj.chunkSizeBytes != null && obj.chunkSizeBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.chunkSizeBytes)
        }

        if ((obj.mtimeMs != null && obj.mtimeMs !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.mtimeMs)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(58)
          w.string(obj.state)
        }

        if (obj.chunks != null && obj.chunks.length > 0) {
          for (const value of obj.chunks) {
            w.uint32(66)
            FsChunk.codec().encode(value, w)
          }
        }

        if ((obj.fileId != null && obj.fileId !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.fileId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          path: '',
          kind: '',
          sizeBytes: 0,
          replication: 0,
          chunkSizeBytes: 0,
          mtimeMs: 0,
          state: '',
          chunks: [],
          fileId: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.path = reader.string()
              break
            }
            case 2: {
              obj.kind = reader.string()
              break
            }
            case 3: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.replication = reader.uint32()
              break
            }
            case 5: {
              obj.chunkSizeBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.mtimeMs = reader.uint64Number()
              break
            }
            case 7: {
              obj.state = reader.string()
              break
            }
            case 8: {
              if (opts.limits?.chunks != null && obj.chunks.length === opts.limits.chunks) {
                throw new MaxLengthError('Decode error - repeated field "chunks" had too many elements')
              }

              obj.chunks.push(FsChunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunks$
              }))
              break
            }
            case 9: {
              obj.fileId = reader.uint64Number()
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
          chunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.path`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.replication`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunkSizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.mtimeMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.state`,
                value: reader.string()
              }
              break
            }
            case 8: {
              if (opts.limits?.chunks != null && obj.chunks === opts.limits.chunks) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunks" had too many elements')
              }

              for (const evt of FsChunk.codec().stream(reader, reader.uint32(), `${prefix}.chunks[]`, {
                limits: opts.limits?.chunks$
              })) {
                yield {
                  ...evt,
                  index: obj.chunks
                }
              }

              obj.chunks++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.fileId`,
                value: reader.uint64Number()
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

  export interface FsStatPathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface FsStatKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface FsStatSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface FsStatReplicationFieldEvent {
    field: '$.replication'
    value: number
  }

  export interface FsStatChunkSizeBytesFieldEvent {
    field: '$.chunkSizeBytes'
    value: number
  }

  export interface FsStatMtimeMsFieldEvent {
    field: '$.mtimeMs'
    value: number
  }

  export interface FsStatStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface FsStatChunksChunkIdFieldEvent {
    field: '$.chunks[].chunkId'
    value: string
    index: number
  }

  export interface FsStatChunksIndexFieldEvent {
    field: '$.chunks[].index'
    value: number
    index: number
  }

  export interface FsStatChunksVersionFieldEvent {
    field: '$.chunks[].version'
    value: number
    index: number
  }

  export interface FsStatChunksSizeBytesFieldEvent {
    field: '$.chunks[].sizeBytes'
    value: number
    index: number
  }

  export interface FsStatChunksCommittedFieldEvent {
    field: '$.chunks[].committed'
    value: boolean
    index: number
  }

  export interface FsStatChunksReplicasPeerFieldEvent {
    field: '$.chunks[].replicas[].peer'
    value: string
    index: number
  }

  export interface FsStatChunksReplicasRackFieldEvent {
    field: '$.chunks[].replicas[].rack'
    value: string
    index: number
  }

  export interface FsStatChunksReplicasAddressesFieldEvent {
    field: '$.chunks[].replicas[].addresses[]'
    index: number
    value: string
  }

  export interface FsStatFileIdFieldEvent {
    field: '$.fileId'
    value: number
  }

  export function encode (obj: Partial<FsStat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsStat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsStat>): FsStat {
    return decodeMessage(buf, FsStat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsStat>): Generator<FsStatPathFieldEvent | FsStatKindFieldEvent | FsStatSizeBytesFieldEvent | FsStatReplicationFieldEvent | FsStatChunkSizeBytesFieldEvent | FsStatMtimeMsFieldEvent | FsStatStateFieldEvent | FsStatChunksChunkIdFieldEvent | FsStatChunksIndexFieldEvent | FsStatChunksVersionFieldEvent | FsStatChunksSizeBytesFieldEvent | FsStatChunksCommittedFieldEvent | FsStatChunksReplicasPeerFieldEvent | FsStatChunksReplicasRackFieldEvent | FsStatChunksReplicasAddressesFieldEvent | FsStatFileIdFieldEvent> {
    return streamMessage(buf, FsStat.codec(), opts)
  }
}

export interface FsResponse {
  fileId: number
  chunk?: FsChunk
  stat?: FsStat
  entries: FsStat[]
  next: string
  files: number
  directories: number
  chunks: number
  fsck?: FsckResult
  report?: CapacityReport
  balance?: BalanceSummary
  decommission?: DecommissionStatus
}

export namespace FsResponse {
  let _codec: Codec<FsResponse>

  export const codec = (): Codec<FsResponse> => {
    if (_codec == null) {
      _codec = message<FsResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.fileId != null && obj.fileId !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.fileId)
        }

        if (obj.chunk != null) {
          w.uint32(18)
          FsChunk.codec().encode(obj.chunk, w)
        }

        if (obj.stat != null) {
          w.uint32(26)
          FsStat.codec().encode(obj.stat, w)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(34)
            FsStat.codec().encode(value, w)
          }
        }

        if ((obj.next != null && obj.next !== '')) {
          w.uint32(42)
          w.string(obj.next)
        }

        if ((obj.files != null && obj.files !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.files)
        }

        if ((obj.directories != null && obj.directories !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.directories)
        }

        if ((obj.chunks != null && obj.chunks !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.chunks)
        }

        if (obj.fsck != null) {
          w.uint32(74)
          FsckResult.codec().encode(obj.fsck, w)
        }

        if (obj.report != null) {
          w.uint32(82)
          CapacityReport.codec().encode(obj.report, w)
        }

        if (obj.balance != null) {
          w.uint32(242)
          BalanceSummary.codec().encode(obj.balance, w)
        }

        if (obj.decommission != null) {
          w.uint32(250)
          DecommissionStatus.codec().encode(obj.decommission, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          fileId: 0,
          entries: [],
          next: '',
          files: 0,
          directories: 0,
          chunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.fileId = reader.uint64Number()
              break
            }
            case 2: {
              obj.chunk = FsChunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.chunk
              })
              break
            }
            case 3: {
              obj.stat = FsStat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.stat
              })
              break
            }
            case 4: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(FsStat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 5: {
              obj.next = reader.string()
              break
            }
            case 6: {
              obj.files = reader.uint64Number()
              break
            }
            case 7: {
              obj.directories = reader.uint64Number()
              break
            }
            case 8: {
              obj.chunks = reader.uint64Number()
              break
            }
            case 9: {
              obj.fsck = FsckResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fsck
              })
              break
            }
            case 10: {
              obj.report = CapacityReport.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.report
              })
              break
            }
            case 30: {
              obj.balance = BalanceSummary.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.balance
              })
              break
            }
            case 31: {
              obj.decommission = DecommissionStatus.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.decommission
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
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.fileId`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield * FsChunk.codec().stream(reader, reader.uint32(), `${prefix}.chunk`, {
                limits: opts.limits?.chunk
              })

              break
            }
            case 3: {
              yield * FsStat.codec().stream(reader, reader.uint32(), `${prefix}.stat`, {
                limits: opts.limits?.stat
              })

              break
            }
            case 4: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of FsStat.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
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
            case 5: {
              yield {
                field: `${prefix}.next`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.files`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.directories`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.chunks`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield * FsckResult.codec().stream(reader, reader.uint32(), `${prefix}.fsck`, {
                limits: opts.limits?.fsck
              })

              break
            }
            case 10: {
              yield * CapacityReport.codec().stream(reader, reader.uint32(), `${prefix}.report`, {
                limits: opts.limits?.report
              })

              break
            }
            case 30: {
              yield * BalanceSummary.codec().stream(reader, reader.uint32(), `${prefix}.balance`, {
                limits: opts.limits?.balance
              })

              break
            }
            case 31: {
              yield * DecommissionStatus.codec().stream(reader, reader.uint32(), `${prefix}.decommission`, {
                limits: opts.limits?.decommission
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

  export interface FsResponseFileIdFieldEvent {
    field: '$.fileId'
    value: number
  }

  export interface FsResponseChunkChunkIdFieldEvent {
    field: '$.chunk.chunkId'
    value: string
  }

  export interface FsResponseChunkIndexFieldEvent {
    field: '$.chunk.index'
    value: number
  }

  export interface FsResponseChunkVersionFieldEvent {
    field: '$.chunk.version'
    value: number
  }

  export interface FsResponseChunkSizeBytesFieldEvent {
    field: '$.chunk.sizeBytes'
    value: number
  }

  export interface FsResponseChunkCommittedFieldEvent {
    field: '$.chunk.committed'
    value: boolean
  }

  export interface FsResponseChunkReplicasPeerFieldEvent {
    field: '$.chunk.replicas[].peer'
    value: string
    index: number
  }

  export interface FsResponseChunkReplicasRackFieldEvent {
    field: '$.chunk.replicas[].rack'
    value: string
    index: number
  }

  export interface FsResponseChunkReplicasAddressesFieldEvent {
    field: '$.chunk.replicas[].addresses[]'
    index: number
    value: string
  }

  export interface FsResponseStatPathFieldEvent {
    field: '$.stat.path'
    value: string
  }

  export interface FsResponseStatKindFieldEvent {
    field: '$.stat.kind'
    value: string
  }

  export interface FsResponseStatSizeBytesFieldEvent {
    field: '$.stat.sizeBytes'
    value: number
  }

  export interface FsResponseStatReplicationFieldEvent {
    field: '$.stat.replication'
    value: number
  }

  export interface FsResponseStatChunkSizeBytesFieldEvent {
    field: '$.stat.chunkSizeBytes'
    value: number
  }

  export interface FsResponseStatMtimeMsFieldEvent {
    field: '$.stat.mtimeMs'
    value: number
  }

  export interface FsResponseStatStateFieldEvent {
    field: '$.stat.state'
    value: string
  }

  export interface FsResponseStatChunksChunkIdFieldEvent {
    field: '$.stat.chunks[].chunkId'
    value: string
    index: number
  }

  export interface FsResponseStatChunksIndexFieldEvent {
    field: '$.stat.chunks[].index'
    value: number
    index: number
  }

  export interface FsResponseStatChunksVersionFieldEvent {
    field: '$.stat.chunks[].version'
    value: number
    index: number
  }

  export interface FsResponseStatChunksSizeBytesFieldEvent {
    field: '$.stat.chunks[].sizeBytes'
    value: number
    index: number
  }

  export interface FsResponseStatChunksCommittedFieldEvent {
    field: '$.stat.chunks[].committed'
    value: boolean
    index: number
  }

  export interface FsResponseStatChunksReplicasPeerFieldEvent {
    field: '$.stat.chunks[].replicas[].peer'
    value: string
    index: number
  }

  export interface FsResponseStatChunksReplicasRackFieldEvent {
    field: '$.stat.chunks[].replicas[].rack'
    value: string
    index: number
  }

  export interface FsResponseStatChunksReplicasAddressesFieldEvent {
    field: '$.stat.chunks[].replicas[].addresses[]'
    index: number
    value: string
  }

  export interface FsResponseStatFileIdFieldEvent {
    field: '$.stat.fileId'
    value: number
  }

  export interface FsResponseEntriesPathFieldEvent {
    field: '$.entries[].path'
    value: string
    index: number
  }

  export interface FsResponseEntriesKindFieldEvent {
    field: '$.entries[].kind'
    value: string
    index: number
  }

  export interface FsResponseEntriesSizeBytesFieldEvent {
    field: '$.entries[].sizeBytes'
    value: number
    index: number
  }

  export interface FsResponseEntriesReplicationFieldEvent {
    field: '$.entries[].replication'
    value: number
    index: number
  }

  export interface FsResponseEntriesChunkSizeBytesFieldEvent {
    field: '$.entries[].chunkSizeBytes'
    value: number
    index: number
  }

  export interface FsResponseEntriesMtimeMsFieldEvent {
    field: '$.entries[].mtimeMs'
    value: number
    index: number
  }

  export interface FsResponseEntriesStateFieldEvent {
    field: '$.entries[].state'
    value: string
    index: number
  }

  export interface FsResponseEntriesChunksChunkIdFieldEvent {
    field: '$.entries[].chunks[].chunkId'
    value: string
    index: number
  }

  export interface FsResponseEntriesChunksIndexFieldEvent {
    field: '$.entries[].chunks[].index'
    value: number
    index: number
  }

  export interface FsResponseEntriesChunksVersionFieldEvent {
    field: '$.entries[].chunks[].version'
    value: number
    index: number
  }

  export interface FsResponseEntriesChunksSizeBytesFieldEvent {
    field: '$.entries[].chunks[].sizeBytes'
    value: number
    index: number
  }

  export interface FsResponseEntriesChunksCommittedFieldEvent {
    field: '$.entries[].chunks[].committed'
    value: boolean
    index: number
  }

  export interface FsResponseEntriesChunksReplicasPeerFieldEvent {
    field: '$.entries[].chunks[].replicas[].peer'
    value: string
    index: number
  }

  export interface FsResponseEntriesChunksReplicasRackFieldEvent {
    field: '$.entries[].chunks[].replicas[].rack'
    value: string
    index: number
  }

  export interface FsResponseEntriesChunksReplicasAddressesFieldEvent {
    field: '$.entries[].chunks[].replicas[].addresses[]'
    index: number
    value: string
  }

  export interface FsResponseEntriesFileIdFieldEvent {
    field: '$.entries[].fileId'
    value: number
    index: number
  }

  export interface FsResponseNextFieldEvent {
    field: '$.next'
    value: string
  }

  export interface FsResponseFilesFieldEvent {
    field: '$.files'
    value: number
  }

  export interface FsResponseDirectoriesFieldEvent {
    field: '$.directories'
    value: number
  }

  export interface FsResponseChunksFieldEvent {
    field: '$.chunks'
    value: number
  }

  export interface FsResponseFsckStatusFieldEvent {
    field: '$.fsck.status'
    value: string
  }

  export interface FsResponseFsckPathFieldEvent {
    field: '$.fsck.path'
    value: string
  }

  export interface FsResponseFsckFilesFieldEvent {
    field: '$.fsck.files'
    value: number
  }

  export interface FsResponseFsckDirectoriesFieldEvent {
    field: '$.fsck.directories'
    value: number
  }

  export interface FsResponseFsckChunksFieldEvent {
    field: '$.fsck.chunks'
    value: number
  }

  export interface FsResponseFsckSizeBytesFieldEvent {
    field: '$.fsck.sizeBytes'
    value: number
  }

  export interface FsResponseFsckHealthyFieldEvent {
    field: '$.fsck.healthy'
    value: number
  }

  export interface FsResponseFsckUnderReplicatedFieldEvent {
    field: '$.fsck.underReplicated'
    value: number
  }

  export interface FsResponseFsckCorruptFieldEvent {
    field: '$.fsck.corrupt'
    value: number
  }

  export interface FsResponseFsckMissingFieldEvent {
    field: '$.fsck.missing'
    value: number
  }

  export interface FsResponseFsckOverReplicatedFieldEvent {
    field: '$.fsck.overReplicated'
    value: number
  }

  export interface FsResponseFsckUnhealthyFilesPathFieldEvent {
    field: '$.fsck.unhealthyFiles[].path'
    value: string
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesStatusFieldEvent {
    field: '$.fsck.unhealthyFiles[].status'
    value: string
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesReplicationFieldEvent {
    field: '$.fsck.unhealthyFiles[].replication'
    value: number
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesSizeBytesFieldEvent {
    field: '$.fsck.unhealthyFiles[].sizeBytes'
    value: number
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesChunksFieldEvent {
    field: '$.fsck.unhealthyFiles[].chunks'
    value: number
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesUnderReplicatedFieldEvent {
    field: '$.fsck.unhealthyFiles[].underReplicated'
    value: number
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesCorruptFieldEvent {
    field: '$.fsck.unhealthyFiles[].corrupt'
    value: number
    index: number
  }

  export interface FsResponseFsckUnhealthyFilesMissingFieldEvent {
    field: '$.fsck.unhealthyFiles[].missing'
    value: number
    index: number
  }

  export interface FsResponseFsckTruncatedFieldEvent {
    field: '$.fsck.truncated'
    value: boolean
  }

  export interface FsResponseFsckRepairQueueFieldEvent {
    field: '$.fsck.repairQueue'
    value: number
  }

  export interface FsResponseFsckRepairsInFlightFieldEvent {
    field: '$.fsck.repairsInFlight'
    value: number
  }

  export interface FsResponseFsckRepairedChunksFieldEvent {
    field: '$.fsck.repairedChunks'
    value: number
  }

  export interface FsResponseReportCapacityBytesFieldEvent {
    field: '$.report.capacityBytes'
    value: number
  }

  export interface FsResponseReportUsedBytesFieldEvent {
    field: '$.report.usedBytes'
    value: number
  }

  export interface FsResponseReportRemainingBytesFieldEvent {
    field: '$.report.remainingBytes'
    value: number
  }

  export interface FsResponseReportNonChunkUsedBytesFieldEvent {
    field: '$.report.nonChunkUsedBytes'
    value: number
  }

  export interface FsResponseReportUsedPercentFieldEvent {
    field: '$.report.usedPercent'
    value: number
  }

  export interface FsResponseReportLivePeersFieldEvent {
    field: '$.report.livePeers'
    value: number
  }

  export interface FsResponseReportSuspectPeersFieldEvent {
    field: '$.report.suspectPeers'
    value: number
  }

  export interface FsResponseReportDeadPeersFieldEvent {
    field: '$.report.deadPeers'
    value: number
  }

  export interface FsResponseReportPeersPeerFieldEvent {
    field: '$.report.peers[].peer'
    value: string
    index: number
  }

  export interface FsResponseReportPeersRackFieldEvent {
    field: '$.report.peers[].rack'
    value: string
    index: number
  }

  export interface FsResponseReportPeersStateFieldEvent {
    field: '$.report.peers[].state'
    value: string
    index: number
  }

  export interface FsResponseReportPeersAddressesFieldEvent {
    field: '$.report.peers[].addresses[]'
    index: number
    value: string
  }

  export interface FsResponseReportPeersCapacityBytesFieldEvent {
    field: '$.report.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface FsResponseReportPeersUsedBytesFieldEvent {
    field: '$.report.peers[].usedBytes'
    value: number
    index: number
  }

  export interface FsResponseReportPeersRemainingBytesFieldEvent {
    field: '$.report.peers[].remainingBytes'
    value: number
    index: number
  }

  export interface FsResponseReportPeersUsedPercentFieldEvent {
    field: '$.report.peers[].usedPercent'
    value: number
    index: number
  }

  export interface FsResponseReportPeersChunksFieldEvent {
    field: '$.report.peers[].chunks'
    value: number
    index: number
  }

  export interface FsResponseReportPeersLastSeenAgoMsFieldEvent {
    field: '$.report.peers[].lastSeenAgoMs'
    value: number
    index: number
  }

  export interface FsResponseReportFilesFieldEvent {
    field: '$.report.files'
    value: number
  }

  export interface FsResponseReportChunksFieldEvent {
    field: '$.report.chunks'
    value: number
  }

  export interface FsResponseReportUnderReplicatedFieldEvent {
    field: '$.report.underReplicated'
    value: number
  }

  export interface FsResponseReportRepairQueueFieldEvent {
    field: '$.report.repairQueue'
    value: number
  }

  export interface FsResponseReportRepairedChunksFieldEvent {
    field: '$.report.repairedChunks'
    value: number
  }

  export interface FsResponseReportRepairedBytesFieldEvent {
    field: '$.report.repairedBytes'
    value: number
  }

  export interface FsResponseBalanceMovesFieldEvent {
    field: '$.balance.moves'
    value: number
  }

  export interface FsResponseBalanceBytesMovedFieldEvent {
    field: '$.balance.bytesMoved'
    value: number
  }

  export interface FsResponseBalanceBalancedFieldEvent {
    field: '$.balance.balanced'
    value: boolean
  }

  export interface FsResponseBalanceStoppedByFieldEvent {
    field: '$.balance.stoppedBy'
    value: string
  }

  export interface FsResponseBalanceBeforeMeanPctFieldEvent {
    field: '$.balance.before.meanPct'
    value: number
  }

  export interface FsResponseBalanceBeforeMinPctFieldEvent {
    field: '$.balance.before.minPct'
    value: number
  }

  export interface FsResponseBalanceBeforeMaxPctFieldEvent {
    field: '$.balance.before.maxPct'
    value: number
  }

  export interface FsResponseBalanceBeforeDeviationPctFieldEvent {
    field: '$.balance.before.deviationPct'
    value: number
  }

  export interface FsResponseBalanceBeforePeersPeerFieldEvent {
    field: '$.balance.before.peers[].peer'
    value: string
    index: number
  }

  export interface FsResponseBalanceBeforePeersRackFieldEvent {
    field: '$.balance.before.peers[].rack'
    value: string
    index: number
  }

  export interface FsResponseBalanceBeforePeersUsedBytesFieldEvent {
    field: '$.balance.before.peers[].usedBytes'
    value: number
    index: number
  }

  export interface FsResponseBalanceBeforePeersCapacityBytesFieldEvent {
    field: '$.balance.before.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface FsResponseBalanceBeforePeersUsedPctFieldEvent {
    field: '$.balance.before.peers[].usedPct'
    value: number
    index: number
  }

  export interface FsResponseBalanceAfterMeanPctFieldEvent {
    field: '$.balance.after.meanPct'
    value: number
  }

  export interface FsResponseBalanceAfterMinPctFieldEvent {
    field: '$.balance.after.minPct'
    value: number
  }

  export interface FsResponseBalanceAfterMaxPctFieldEvent {
    field: '$.balance.after.maxPct'
    value: number
  }

  export interface FsResponseBalanceAfterDeviationPctFieldEvent {
    field: '$.balance.after.deviationPct'
    value: number
  }

  export interface FsResponseBalanceAfterPeersPeerFieldEvent {
    field: '$.balance.after.peers[].peer'
    value: string
    index: number
  }

  export interface FsResponseBalanceAfterPeersRackFieldEvent {
    field: '$.balance.after.peers[].rack'
    value: string
    index: number
  }

  export interface FsResponseBalanceAfterPeersUsedBytesFieldEvent {
    field: '$.balance.after.peers[].usedBytes'
    value: number
    index: number
  }

  export interface FsResponseBalanceAfterPeersCapacityBytesFieldEvent {
    field: '$.balance.after.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface FsResponseBalanceAfterPeersUsedPctFieldEvent {
    field: '$.balance.after.peers[].usedPct'
    value: number
    index: number
  }

  export interface FsResponseDecommissionPeerFieldEvent {
    field: '$.decommission.peer'
    value: string
  }

  export interface FsResponseDecommissionStateFieldEvent {
    field: '$.decommission.state'
    value: string
  }

  export interface FsResponseDecommissionReplicasHeldFieldEvent {
    field: '$.decommission.replicasHeld'
    value: number
  }

  export interface FsResponseDecommissionReplicasToMoveFieldEvent {
    field: '$.decommission.replicasToMove'
    value: number
  }

  export interface FsResponseDecommissionCopiesMadeFieldEvent {
    field: '$.decommission.copiesMade'
    value: number
  }

  export interface FsResponseDecommissionBlockedFieldEvent {
    field: '$.decommission.blocked'
    value: number
  }

  export function encode (obj: Partial<FsResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsResponse>): FsResponse {
    return decodeMessage(buf, FsResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsResponse>): Generator<FsResponseFileIdFieldEvent | FsResponseChunkChunkIdFieldEvent | FsResponseChunkIndexFieldEvent | FsResponseChunkVersionFieldEvent | FsResponseChunkSizeBytesFieldEvent | FsResponseChunkCommittedFieldEvent | FsResponseChunkReplicasPeerFieldEvent | FsResponseChunkReplicasRackFieldEvent | FsResponseChunkReplicasAddressesFieldEvent | FsResponseStatPathFieldEvent | FsResponseStatKindFieldEvent | FsResponseStatSizeBytesFieldEvent | FsResponseStatReplicationFieldEvent | FsResponseStatChunkSizeBytesFieldEvent | FsResponseStatMtimeMsFieldEvent | FsResponseStatStateFieldEvent | FsResponseStatChunksChunkIdFieldEvent | FsResponseStatChunksIndexFieldEvent | FsResponseStatChunksVersionFieldEvent | FsResponseStatChunksSizeBytesFieldEvent | FsResponseStatChunksCommittedFieldEvent | FsResponseStatChunksReplicasPeerFieldEvent | FsResponseStatChunksReplicasRackFieldEvent | FsResponseStatChunksReplicasAddressesFieldEvent | FsResponseStatFileIdFieldEvent | FsResponseEntriesPathFieldEvent | FsResponseEntriesKindFieldEvent | FsResponseEntriesSizeBytesFieldEvent | FsResponseEntriesReplicationFieldEvent | FsResponseEntriesChunkSizeBytesFieldEvent | FsResponseEntriesMtimeMsFieldEvent | FsResponseEntriesStateFieldEvent | FsResponseEntriesChunksChunkIdFieldEvent | FsResponseEntriesChunksIndexFieldEvent | FsResponseEntriesChunksVersionFieldEvent | FsResponseEntriesChunksSizeBytesFieldEvent | FsResponseEntriesChunksCommittedFieldEvent | FsResponseEntriesChunksReplicasPeerFieldEvent | FsResponseEntriesChunksReplicasRackFieldEvent | FsResponseEntriesChunksReplicasAddressesFieldEvent | FsResponseEntriesFileIdFieldEvent | FsResponseNextFieldEvent | FsResponseFilesFieldEvent | FsResponseDirectoriesFieldEvent | FsResponseChunksFieldEvent | FsResponseFsckStatusFieldEvent | FsResponseFsckPathFieldEvent | FsResponseFsckFilesFieldEvent | FsResponseFsckDirectoriesFieldEvent | FsResponseFsckChunksFieldEvent | FsResponseFsckSizeBytesFieldEvent | FsResponseFsckHealthyFieldEvent | FsResponseFsckUnderReplicatedFieldEvent | FsResponseFsckCorruptFieldEvent | FsResponseFsckMissingFieldEvent | FsResponseFsckOverReplicatedFieldEvent | FsResponseFsckUnhealthyFilesPathFieldEvent | FsResponseFsckUnhealthyFilesStatusFieldEvent | FsResponseFsckUnhealthyFilesReplicationFieldEvent | FsResponseFsckUnhealthyFilesSizeBytesFieldEvent | FsResponseFsckUnhealthyFilesChunksFieldEvent | FsResponseFsckUnhealthyFilesUnderReplicatedFieldEvent | FsResponseFsckUnhealthyFilesCorruptFieldEvent | FsResponseFsckUnhealthyFilesMissingFieldEvent | FsResponseFsckTruncatedFieldEvent | FsResponseFsckRepairQueueFieldEvent | FsResponseFsckRepairsInFlightFieldEvent | FsResponseFsckRepairedChunksFieldEvent | FsResponseReportCapacityBytesFieldEvent | FsResponseReportUsedBytesFieldEvent | FsResponseReportRemainingBytesFieldEvent | FsResponseReportNonChunkUsedBytesFieldEvent | FsResponseReportUsedPercentFieldEvent | FsResponseReportLivePeersFieldEvent | FsResponseReportSuspectPeersFieldEvent | FsResponseReportDeadPeersFieldEvent | FsResponseReportPeersPeerFieldEvent | FsResponseReportPeersRackFieldEvent | FsResponseReportPeersStateFieldEvent | FsResponseReportPeersAddressesFieldEvent | FsResponseReportPeersCapacityBytesFieldEvent | FsResponseReportPeersUsedBytesFieldEvent | FsResponseReportPeersRemainingBytesFieldEvent | FsResponseReportPeersUsedPercentFieldEvent | FsResponseReportPeersChunksFieldEvent | FsResponseReportPeersLastSeenAgoMsFieldEvent | FsResponseReportFilesFieldEvent | FsResponseReportChunksFieldEvent | FsResponseReportUnderReplicatedFieldEvent | FsResponseReportRepairQueueFieldEvent | FsResponseReportRepairedChunksFieldEvent | FsResponseReportRepairedBytesFieldEvent | FsResponseBalanceMovesFieldEvent | FsResponseBalanceBytesMovedFieldEvent | FsResponseBalanceBalancedFieldEvent | FsResponseBalanceStoppedByFieldEvent | FsResponseBalanceBeforeMeanPctFieldEvent | FsResponseBalanceBeforeMinPctFieldEvent | FsResponseBalanceBeforeMaxPctFieldEvent | FsResponseBalanceBeforeDeviationPctFieldEvent | FsResponseBalanceBeforePeersPeerFieldEvent | FsResponseBalanceBeforePeersRackFieldEvent | FsResponseBalanceBeforePeersUsedBytesFieldEvent | FsResponseBalanceBeforePeersCapacityBytesFieldEvent | FsResponseBalanceBeforePeersUsedPctFieldEvent | FsResponseBalanceAfterMeanPctFieldEvent | FsResponseBalanceAfterMinPctFieldEvent | FsResponseBalanceAfterMaxPctFieldEvent | FsResponseBalanceAfterDeviationPctFieldEvent | FsResponseBalanceAfterPeersPeerFieldEvent | FsResponseBalanceAfterPeersRackFieldEvent | FsResponseBalanceAfterPeersUsedBytesFieldEvent | FsResponseBalanceAfterPeersCapacityBytesFieldEvent | FsResponseBalanceAfterPeersUsedPctFieldEvent | FsResponseDecommissionPeerFieldEvent | FsResponseDecommissionStateFieldEvent | FsResponseDecommissionReplicasHeldFieldEvent | FsResponseDecommissionReplicasToMoveFieldEvent | FsResponseDecommissionCopiesMadeFieldEvent | FsResponseDecommissionBlockedFieldEvent> {
    return streamMessage(buf, FsResponse.codec(), opts)
  }
}

export interface PeerUsage {
  peer: string
  rack: string
  usedBytes: number
  capacityBytes: number
  usedPct: number
}

export namespace PeerUsage {
  let _codec: Codec<PeerUsage>

  export const codec = (): Codec<PeerUsage> => {
    if (_codec == null) {
      _codec = message<PeerUsage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if ((obj.rack != null && obj.rack !== '')) {
          w.uint32(18)
          w.string(obj.rack)
        }

        if ((obj.usedBytes != null && obj.usedBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.usedBytes)
        }

        if ((obj.capacityBytes != null && obj.capacityBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.capacityBytes)
        }

        if ((obj.usedPct != null && obj.usedPct !== 0)) {
          w.uint32(41)
          w.double(obj.usedPct)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: '',
          rack: '',
          usedBytes: 0,
          capacityBytes: 0,
          usedPct: 0
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
              obj.rack = reader.string()
              break
            }
            case 3: {
              obj.usedBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.capacityBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.usedPct = reader.double()
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
                field: `${prefix}.rack`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.usedBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.capacityBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.usedPct`,
                value: reader.double()
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

  export interface PeerUsagePeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface PeerUsageRackFieldEvent {
    field: '$.rack'
    value: string
  }

  export interface PeerUsageUsedBytesFieldEvent {
    field: '$.usedBytes'
    value: number
  }

  export interface PeerUsageCapacityBytesFieldEvent {
    field: '$.capacityBytes'
    value: number
  }

  export interface PeerUsageUsedPctFieldEvent {
    field: '$.usedPct'
    value: number
  }

  export function encode (obj: Partial<PeerUsage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerUsage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerUsage>): PeerUsage {
    return decodeMessage(buf, PeerUsage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerUsage>): Generator<PeerUsagePeerFieldEvent | PeerUsageRackFieldEvent | PeerUsageUsedBytesFieldEvent | PeerUsageCapacityBytesFieldEvent | PeerUsageUsedPctFieldEvent> {
    return streamMessage(buf, PeerUsage.codec(), opts)
  }
}

export interface UsageSpread {
  meanPct: number
  minPct: number
  maxPct: number
  deviationPct: number
  peers: PeerUsage[]
}

export namespace UsageSpread {
  let _codec: Codec<UsageSpread>

  export const codec = (): Codec<UsageSpread> => {
    if (_codec == null) {
      _codec = message<UsageSpread>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.meanPct != null && obj.meanPct !== 0)) {
          w.uint32(9)
          w.double(obj.meanPct)
        }

        if ((obj.minPct != null && obj.minPct !== 0)) {
          w.uint32(17)
          w.double(obj.minPct)
        }

        if ((obj.maxPct != null && obj.maxPct !== 0)) {
          w.uint32(25)
          w.double(obj.maxPct)
        }

        if ((obj.deviationPct != null && obj.deviationPct !== 0)) {
          w.uint32(33)
          w.double(obj.deviationPct)
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(42)
            PeerUsage.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          meanPct: 0,
          minPct: 0,
          maxPct: 0,
          deviationPct: 0,
          peers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.meanPct = reader.double()
              break
            }
            case 2: {
              obj.minPct = reader.double()
              break
            }
            case 3: {
              obj.maxPct = reader.double()
              break
            }
            case 4: {
              obj.deviationPct = reader.double()
              break
            }
            case 5: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(PeerUsage.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
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
          peers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.meanPct`,
                value: reader.double()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.minPct`,
                value: reader.double()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.maxPct`,
                value: reader.double()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.deviationPct`,
                value: reader.double()
              }
              break
            }
            case 5: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of PeerUsage.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

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

  export interface UsageSpreadMeanPctFieldEvent {
    field: '$.meanPct'
    value: number
  }

  export interface UsageSpreadMinPctFieldEvent {
    field: '$.minPct'
    value: number
  }

  export interface UsageSpreadMaxPctFieldEvent {
    field: '$.maxPct'
    value: number
  }

  export interface UsageSpreadDeviationPctFieldEvent {
    field: '$.deviationPct'
    value: number
  }

  export interface UsageSpreadPeersPeerFieldEvent {
    field: '$.peers[].peer'
    value: string
    index: number
  }

  export interface UsageSpreadPeersRackFieldEvent {
    field: '$.peers[].rack'
    value: string
    index: number
  }

  export interface UsageSpreadPeersUsedBytesFieldEvent {
    field: '$.peers[].usedBytes'
    value: number
    index: number
  }

  export interface UsageSpreadPeersCapacityBytesFieldEvent {
    field: '$.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface UsageSpreadPeersUsedPctFieldEvent {
    field: '$.peers[].usedPct'
    value: number
    index: number
  }

  export function encode (obj: Partial<UsageSpread>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, UsageSpread.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UsageSpread>): UsageSpread {
    return decodeMessage(buf, UsageSpread.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<UsageSpread>): Generator<UsageSpreadMeanPctFieldEvent | UsageSpreadMinPctFieldEvent | UsageSpreadMaxPctFieldEvent | UsageSpreadDeviationPctFieldEvent | UsageSpreadPeersPeerFieldEvent | UsageSpreadPeersRackFieldEvent | UsageSpreadPeersUsedBytesFieldEvent | UsageSpreadPeersCapacityBytesFieldEvent | UsageSpreadPeersUsedPctFieldEvent> {
    return streamMessage(buf, UsageSpread.codec(), opts)
  }
}

export interface BalanceSummary {
  moves: number
  bytesMoved: number
  balanced: boolean
  stoppedBy: string
  before?: UsageSpread
  after?: UsageSpread
}

export namespace BalanceSummary {
  let _codec: Codec<BalanceSummary>

  export const codec = (): Codec<BalanceSummary> => {
    if (_codec == null) {
      _codec = message<BalanceSummary>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.moves != null && obj.moves !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.moves)
        }

        if ((obj.bytesMoved != null && obj.bytesMoved !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.bytesMoved)
        }

        if ((obj.balanced != null && obj.balanced !== false)) {
          w.uint32(24)
          w.bool(obj.balanced)
        }

        if ((obj.stoppedBy != null && obj.stoppedBy !== '')) {
          w.uint32(34)
          w.string(obj.stoppedBy)
        }

        if (obj.before != null) {
          w.uint32(42)
          UsageSpread.codec().encode(obj.before, w)
        }

        if (obj.after != null) {
          w.uint32(50)
          UsageSpread.codec().encode(obj.after, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          moves: 0,
          bytesMoved: 0,
          balanced: false,
          stoppedBy: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.moves = reader.uint64Number()
              break
            }
            case 2: {
              obj.bytesMoved = reader.uint64Number()
              break
            }
            case 3: {
              obj.balanced = reader.bool()
              break
            }
            case 4: {
              obj.stoppedBy = reader.string()
              break
            }
            case 5: {
              obj.before = UsageSpread.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.before
              })
              break
            }
            case 6: {
              obj.after = UsageSpread.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.after
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
                field: `${prefix}.moves`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.bytesMoved`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.balanced`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.stoppedBy`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield * UsageSpread.codec().stream(reader, reader.uint32(), `${prefix}.before`, {
                limits: opts.limits?.before
              })

              break
            }
            case 6: {
              yield * UsageSpread.codec().stream(reader, reader.uint32(), `${prefix}.after`, {
                limits: opts.limits?.after
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

  export interface BalanceSummaryMovesFieldEvent {
    field: '$.moves'
    value: number
  }

  export interface BalanceSummaryBytesMovedFieldEvent {
    field: '$.bytesMoved'
    value: number
  }

  export interface BalanceSummaryBalancedFieldEvent {
    field: '$.balanced'
    value: boolean
  }

  export interface BalanceSummaryStoppedByFieldEvent {
    field: '$.stoppedBy'
    value: string
  }

  export interface BalanceSummaryBeforeMeanPctFieldEvent {
    field: '$.before.meanPct'
    value: number
  }

  export interface BalanceSummaryBeforeMinPctFieldEvent {
    field: '$.before.minPct'
    value: number
  }

  export interface BalanceSummaryBeforeMaxPctFieldEvent {
    field: '$.before.maxPct'
    value: number
  }

  export interface BalanceSummaryBeforeDeviationPctFieldEvent {
    field: '$.before.deviationPct'
    value: number
  }

  export interface BalanceSummaryBeforePeersPeerFieldEvent {
    field: '$.before.peers[].peer'
    value: string
    index: number
  }

  export interface BalanceSummaryBeforePeersRackFieldEvent {
    field: '$.before.peers[].rack'
    value: string
    index: number
  }

  export interface BalanceSummaryBeforePeersUsedBytesFieldEvent {
    field: '$.before.peers[].usedBytes'
    value: number
    index: number
  }

  export interface BalanceSummaryBeforePeersCapacityBytesFieldEvent {
    field: '$.before.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface BalanceSummaryBeforePeersUsedPctFieldEvent {
    field: '$.before.peers[].usedPct'
    value: number
    index: number
  }

  export interface BalanceSummaryAfterMeanPctFieldEvent {
    field: '$.after.meanPct'
    value: number
  }

  export interface BalanceSummaryAfterMinPctFieldEvent {
    field: '$.after.minPct'
    value: number
  }

  export interface BalanceSummaryAfterMaxPctFieldEvent {
    field: '$.after.maxPct'
    value: number
  }

  export interface BalanceSummaryAfterDeviationPctFieldEvent {
    field: '$.after.deviationPct'
    value: number
  }

  export interface BalanceSummaryAfterPeersPeerFieldEvent {
    field: '$.after.peers[].peer'
    value: string
    index: number
  }

  export interface BalanceSummaryAfterPeersRackFieldEvent {
    field: '$.after.peers[].rack'
    value: string
    index: number
  }

  export interface BalanceSummaryAfterPeersUsedBytesFieldEvent {
    field: '$.after.peers[].usedBytes'
    value: number
    index: number
  }

  export interface BalanceSummaryAfterPeersCapacityBytesFieldEvent {
    field: '$.after.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface BalanceSummaryAfterPeersUsedPctFieldEvent {
    field: '$.after.peers[].usedPct'
    value: number
    index: number
  }

  export function encode (obj: Partial<BalanceSummary>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BalanceSummary.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BalanceSummary>): BalanceSummary {
    return decodeMessage(buf, BalanceSummary.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BalanceSummary>): Generator<BalanceSummaryMovesFieldEvent | BalanceSummaryBytesMovedFieldEvent | BalanceSummaryBalancedFieldEvent | BalanceSummaryStoppedByFieldEvent | BalanceSummaryBeforeMeanPctFieldEvent | BalanceSummaryBeforeMinPctFieldEvent | BalanceSummaryBeforeMaxPctFieldEvent | BalanceSummaryBeforeDeviationPctFieldEvent | BalanceSummaryBeforePeersPeerFieldEvent | BalanceSummaryBeforePeersRackFieldEvent | BalanceSummaryBeforePeersUsedBytesFieldEvent | BalanceSummaryBeforePeersCapacityBytesFieldEvent | BalanceSummaryBeforePeersUsedPctFieldEvent | BalanceSummaryAfterMeanPctFieldEvent | BalanceSummaryAfterMinPctFieldEvent | BalanceSummaryAfterMaxPctFieldEvent | BalanceSummaryAfterDeviationPctFieldEvent | BalanceSummaryAfterPeersPeerFieldEvent | BalanceSummaryAfterPeersRackFieldEvent | BalanceSummaryAfterPeersUsedBytesFieldEvent | BalanceSummaryAfterPeersCapacityBytesFieldEvent | BalanceSummaryAfterPeersUsedPctFieldEvent> {
    return streamMessage(buf, BalanceSummary.codec(), opts)
  }
}

export interface DecommissionStatus {
  peer: string
  state: string
  replicasHeld: number
  replicasToMove: number
  copiesMade: number
  blocked: number
}

export namespace DecommissionStatus {
  let _codec: Codec<DecommissionStatus>

  export const codec = (): Codec<DecommissionStatus> => {
    if (_codec == null) {
      _codec = message<DecommissionStatus>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(18)
          w.string(obj.state)
        }

        if ((obj.replicasHeld != null && obj.replicasHeld !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.replicasHeld)
        }

        if ((obj.replicasToMove != null && obj.replicasToMove !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.replicasToMove)
        }

        if ((obj.copiesMade != null && obj.copiesMade !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.copiesMade)
        }

        if ((obj.blocked != null && obj.blocked !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.blocked)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: '',
          state: '',
          replicasHeld: 0,
          replicasToMove: 0,
          copiesMade: 0,
          blocked: 0
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
              obj.state = reader.string()
              break
            }
            case 3: {
              obj.replicasHeld = reader.uint64Number()
              break
            }
            case 4: {
              obj.replicasToMove = reader.uint64Number()
              break
            }
            case 5: {
              obj.copiesMade = reader.uint64Number()
              break
            }
            case 6: {
              obj.blocked = reader.uint64Number()
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
                field: `${prefix}.state`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.replicasHeld`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.replicasToMove`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.copiesMade`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.blocked`,
                value: reader.uint64Number()
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

  export interface DecommissionStatusPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface DecommissionStatusStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface DecommissionStatusReplicasHeldFieldEvent {
    field: '$.replicasHeld'
    value: number
  }

  export interface DecommissionStatusReplicasToMoveFieldEvent {
    field: '$.replicasToMove'
    value: number
  }

  export interface DecommissionStatusCopiesMadeFieldEvent {
    field: '$.copiesMade'
    value: number
  }

  export interface DecommissionStatusBlockedFieldEvent {
    field: '$.blocked'
    value: number
  }

  export function encode (obj: Partial<DecommissionStatus>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, DecommissionStatus.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DecommissionStatus>): DecommissionStatus {
    return decodeMessage(buf, DecommissionStatus.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DecommissionStatus>): Generator<DecommissionStatusPeerFieldEvent | DecommissionStatusStateFieldEvent | DecommissionStatusReplicasHeldFieldEvent | DecommissionStatusReplicasToMoveFieldEvent | DecommissionStatusCopiesMadeFieldEvent | DecommissionStatusBlockedFieldEvent> {
    return streamMessage(buf, DecommissionStatus.codec(), opts)
  }
}

export interface FsckFile {
  path: string
  status: string
  replication: number
  sizeBytes: number
  chunks: number
  underReplicated: number
  corrupt: number
  missing: number
}

export namespace FsckFile {
  let _codec: Codec<FsckFile>

  export const codec = (): Codec<FsckFile> => {
    if (_codec == null) {
      _codec = message<FsckFile>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(10)
          w.string(obj.path)
        }

        if ((obj.status != null && obj.status !== '')) {
          w.uint32(18)
          w.string(obj.status)
        }

        if ((obj.replication != null && obj.replication !== 0)) {
          w.uint32(24)
          w.uint32(obj.replication)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.chunks != null && obj.chunks !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.chunks)
        }

        if ((obj.underReplicated != null && obj.underReplicated !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.underReplicated)
        }

        if ((obj.corrupt != null && obj.corrupt !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.corrupt)
        }

        if ((obj.missing != null && obj.missing !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.missing)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          path: '',
          status: '',
          replication: 0,
          sizeBytes: 0,
          chunks: 0,
          underReplicated: 0,
          corrupt: 0,
          missing: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.path = reader.string()
              break
            }
            case 2: {
              obj.status = reader.string()
              break
            }
            case 3: {
              obj.replication = reader.uint32()
              break
            }
            case 4: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.chunks = reader.uint64Number()
              break
            }
            case 6: {
              obj.underReplicated = reader.uint64Number()
              break
            }
            case 7: {
              obj.corrupt = reader.uint64Number()
              break
            }
            case 8: {
              obj.missing = reader.uint64Number()
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
                field: `${prefix}.path`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.status`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.replication`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunks`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.underReplicated`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.corrupt`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.missing`,
                value: reader.uint64Number()
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

  export interface FsckFilePathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface FsckFileStatusFieldEvent {
    field: '$.status'
    value: string
  }

  export interface FsckFileReplicationFieldEvent {
    field: '$.replication'
    value: number
  }

  export interface FsckFileSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface FsckFileChunksFieldEvent {
    field: '$.chunks'
    value: number
  }

  export interface FsckFileUnderReplicatedFieldEvent {
    field: '$.underReplicated'
    value: number
  }

  export interface FsckFileCorruptFieldEvent {
    field: '$.corrupt'
    value: number
  }

  export interface FsckFileMissingFieldEvent {
    field: '$.missing'
    value: number
  }

  export function encode (obj: Partial<FsckFile>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsckFile.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsckFile>): FsckFile {
    return decodeMessage(buf, FsckFile.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsckFile>): Generator<FsckFilePathFieldEvent | FsckFileStatusFieldEvent | FsckFileReplicationFieldEvent | FsckFileSizeBytesFieldEvent | FsckFileChunksFieldEvent | FsckFileUnderReplicatedFieldEvent | FsckFileCorruptFieldEvent | FsckFileMissingFieldEvent> {
    return streamMessage(buf, FsckFile.codec(), opts)
  }
}

export interface FsckResult {
  status: string
  path: string
  files: number
  directories: number
  chunks: number
  sizeBytes: number
  healthy: number
  underReplicated: number
  corrupt: number
  missing: number
  overReplicated: number
  unhealthyFiles: FsckFile[]
  truncated: boolean
  repairQueue: number
  repairsInFlight: number
  repairedChunks: number
}

export namespace FsckResult {
  let _codec: Codec<FsckResult>

  export const codec = (): Codec<FsckResult> => {
    if (_codec == null) {
      _codec = message<FsckResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.status != null && obj.status !== '')) {
          w.uint32(10)
          w.string(obj.status)
        }

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(18)
          w.string(obj.path)
        }

        if ((obj.files != null && obj.files !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.files)
        }

        if ((obj.directories != null && obj.directories !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.directories)
        }

        if ((obj.chunks != null && obj.chunks !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.chunks)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.healthy != null && obj.healthy !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.healthy)
        }

        if ((obj.underReplicated != null && obj.underReplicated !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.underReplicated)
        }

        if ((obj.corrupt != null && obj.corrupt !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.corrupt)
        }

        if ((obj.missing != null && obj.missing !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.missing)
        }

        if ((obj.overReplicated != null && obj.overReplicated !== 0)) {
          w.uint32(88)
          w.uint64Number(obj.overReplicated)
        }

        if (obj.unhealthyFiles != null && obj.unhealthyFiles.length > 0) {
          for (const value of obj.unhealthyFiles) {
            w.uint32(98)
            FsckFile.codec().encode(value, w)
          }
        }

        if ((obj.truncated != null && obj.truncated !== false)) {
          w.uint32(104)
          w.bool(obj.truncated)
        }

        if ((obj.repairQueue != null && obj.repairQueue !== 0)) {
          w.uint32(112)
          w.uint64Number(obj.repairQueue)
        }

        if ((obj.repairsInFlight != null && obj.repairsInFlight !== 0)) {
          w.uint32(120)
          w.uint64Number(obj.repairsInFlight)
        }

        if ((obj.repairedChunks != null && obj.repairedChunks !== 0)) {
          w.uint32(128)
          w.uint64Number(obj.repairedChunks)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          status: '',
          path: '',
          files: 0,
          directories: 0,
          chunks: 0,
          sizeBytes: 0,
          healthy: 0,
          underReplicated: 0,
          corrupt: 0,
          missing: 0,
          overReplicated: 0,
          unhealthyFiles: [],
          truncated: false,
          repairQueue: 0,
          repairsInFlight: 0,
          repairedChunks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.status = reader.string()
              break
            }
            case 2: {
              obj.path = reader.string()
              break
            }
            case 3: {
              obj.files = reader.uint64Number()
              break
            }
            case 4: {
              obj.directories = reader.uint64Number()
              break
            }
            case 5: {
              obj.chunks = reader.uint64Number()
              break
            }
            case 6: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 7: {
              obj.healthy = reader.uint64Number()
              break
            }
            case 8: {
              obj.underReplicated = reader.uint64Number()
              break
            }
            case 9: {
              obj.corrupt = reader.uint64Number()
              break
            }
            case 10: {
              obj.missing = reader.uint64Number()
              break
            }
            case 11: {
              obj.overReplicated = reader.uint64Number()
              break
            }
            case 12: {
              if (opts.limits?.unhealthyFiles != null && obj.unhealthyFiles.length === opts.limits.unhealthyFiles) {
                throw new MaxLengthError('Decode error - repeated field "unhealthyFiles" had too many elements')
              }

              obj.unhealthyFiles.push(FsckFile.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.unhealthyFiles$
              }))
              break
            }
            case 13: {
              obj.truncated = reader.bool()
              break
            }
            case 14: {
              obj.repairQueue = reader.uint64Number()
              break
            }
            case 15: {
              obj.repairsInFlight = reader.uint64Number()
              break
            }
            case 16: {
              obj.repairedChunks = reader.uint64Number()
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
          unhealthyFiles: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.status`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.path`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.files`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.directories`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunks`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.healthy`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.underReplicated`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.corrupt`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.missing`,
                value: reader.uint64Number()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.overReplicated`,
                value: reader.uint64Number()
              }
              break
            }
            case 12: {
              if (opts.limits?.unhealthyFiles != null && obj.unhealthyFiles === opts.limits.unhealthyFiles) {
                throw new MaxLengthError('Streaming decode error - repeated field "unhealthyFiles" had too many elements')
              }

              for (const evt of FsckFile.codec().stream(reader, reader.uint32(), `${prefix}.unhealthyFiles[]`, {
                limits: opts.limits?.unhealthyFiles$
              })) {
                yield {
                  ...evt,
                  index: obj.unhealthyFiles
                }
              }

              obj.unhealthyFiles++

              break
            }
            case 13: {
              yield {
                field: `${prefix}.truncated`,
                value: reader.bool()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.repairQueue`,
                value: reader.uint64Number()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.repairsInFlight`,
                value: reader.uint64Number()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.repairedChunks`,
                value: reader.uint64Number()
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

  export interface FsckResultStatusFieldEvent {
    field: '$.status'
    value: string
  }

  export interface FsckResultPathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface FsckResultFilesFieldEvent {
    field: '$.files'
    value: number
  }

  export interface FsckResultDirectoriesFieldEvent {
    field: '$.directories'
    value: number
  }

  export interface FsckResultChunksFieldEvent {
    field: '$.chunks'
    value: number
  }

  export interface FsckResultSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface FsckResultHealthyFieldEvent {
    field: '$.healthy'
    value: number
  }

  export interface FsckResultUnderReplicatedFieldEvent {
    field: '$.underReplicated'
    value: number
  }

  export interface FsckResultCorruptFieldEvent {
    field: '$.corrupt'
    value: number
  }

  export interface FsckResultMissingFieldEvent {
    field: '$.missing'
    value: number
  }

  export interface FsckResultOverReplicatedFieldEvent {
    field: '$.overReplicated'
    value: number
  }

  export interface FsckResultUnhealthyFilesPathFieldEvent {
    field: '$.unhealthyFiles[].path'
    value: string
    index: number
  }

  export interface FsckResultUnhealthyFilesStatusFieldEvent {
    field: '$.unhealthyFiles[].status'
    value: string
    index: number
  }

  export interface FsckResultUnhealthyFilesReplicationFieldEvent {
    field: '$.unhealthyFiles[].replication'
    value: number
    index: number
  }

  export interface FsckResultUnhealthyFilesSizeBytesFieldEvent {
    field: '$.unhealthyFiles[].sizeBytes'
    value: number
    index: number
  }

  export interface FsckResultUnhealthyFilesChunksFieldEvent {
    field: '$.unhealthyFiles[].chunks'
    value: number
    index: number
  }

  export interface FsckResultUnhealthyFilesUnderReplicatedFieldEvent {
    field: '$.unhealthyFiles[].underReplicated'
    value: number
    index: number
  }

  export interface FsckResultUnhealthyFilesCorruptFieldEvent {
    field: '$.unhealthyFiles[].corrupt'
    value: number
    index: number
  }

  export interface FsckResultUnhealthyFilesMissingFieldEvent {
    field: '$.unhealthyFiles[].missing'
    value: number
    index: number
  }

  export interface FsckResultTruncatedFieldEvent {
    field: '$.truncated'
    value: boolean
  }

  export interface FsckResultRepairQueueFieldEvent {
    field: '$.repairQueue'
    value: number
  }

  export interface FsckResultRepairsInFlightFieldEvent {
    field: '$.repairsInFlight'
    value: number
  }

  export interface FsckResultRepairedChunksFieldEvent {
    field: '$.repairedChunks'
    value: number
  }

  export function encode (obj: Partial<FsckResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsckResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsckResult>): FsckResult {
    return decodeMessage(buf, FsckResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsckResult>): Generator<FsckResultStatusFieldEvent | FsckResultPathFieldEvent | FsckResultFilesFieldEvent | FsckResultDirectoriesFieldEvent | FsckResultChunksFieldEvent | FsckResultSizeBytesFieldEvent | FsckResultHealthyFieldEvent | FsckResultUnderReplicatedFieldEvent | FsckResultCorruptFieldEvent | FsckResultMissingFieldEvent | FsckResultOverReplicatedFieldEvent | FsckResultUnhealthyFilesPathFieldEvent | FsckResultUnhealthyFilesStatusFieldEvent | FsckResultUnhealthyFilesReplicationFieldEvent | FsckResultUnhealthyFilesSizeBytesFieldEvent | FsckResultUnhealthyFilesChunksFieldEvent | FsckResultUnhealthyFilesUnderReplicatedFieldEvent | FsckResultUnhealthyFilesCorruptFieldEvent | FsckResultUnhealthyFilesMissingFieldEvent | FsckResultTruncatedFieldEvent | FsckResultRepairQueueFieldEvent | FsckResultRepairsInFlightFieldEvent | FsckResultRepairedChunksFieldEvent> {
    return streamMessage(buf, FsckResult.codec(), opts)
  }
}

export interface PeerCapacity {
  peer: string
  rack: string
  state: string
  addresses: string[]
  capacityBytes: number
  usedBytes: number
  remainingBytes: number
  usedPercent: number
  chunks: number
  lastSeenAgoMs: number
}

export namespace PeerCapacity {
  let _codec: Codec<PeerCapacity>

  export const codec = (): Codec<PeerCapacity> => {
    if (_codec == null) {
      _codec = message<PeerCapacity>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if ((obj.rack != null && obj.rack !== '')) {
          w.uint32(18)
          w.string(obj.rack)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(26)
          w.string(obj.state)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(34)
            w.string(value)
          }
        }

        if ((obj.capacityBytes != null && obj.capacityBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.capacityBytes)
        }

        if ((obj.usedBytes != null && obj.usedBytes !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.usedBytes)
        }

        if ((obj.remainingBytes != null && obj.remainingBytes !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.remainingBytes)
        }

        if ((obj.usedPercent != null && obj.usedPercent !== 0)) {
          w.uint32(65)
          w.double(obj.usedPercent)
        }

        if ((obj.chunks != null && obj.chunks !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.chunks)
        }

        if ((obj.lastSeenAgoMs != null && obj.lastSeenAgoMs !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.lastSeenAgoMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: '',
          rack: '',
          state: '',
          addresses: [],
          capacityBytes: 0,
          usedBytes: 0,
          remainingBytes: 0,
          usedPercent: 0,
          chunks: 0,
          lastSeenAgoMs: 0
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
              obj.rack = reader.string()
              break
            }
            case 3: {
              obj.state = reader.string()
              break
            }
            case 4: {
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.string())
              break
            }
            case 5: {
              obj.capacityBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.usedBytes = reader.uint64Number()
              break
            }
            case 7: {
              obj.remainingBytes = reader.uint64Number()
              break
            }
            case 8: {
              obj.usedPercent = reader.double()
              break
            }
            case 9: {
              obj.chunks = reader.uint64Number()
              break
            }
            case 10: {
              obj.lastSeenAgoMs = reader.uint64Number()
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
          addresses: 0
        }

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
                field: `${prefix}.rack`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.state`,
                value: reader.string()
              }
              break
            }
            case 4: {
              if (opts.limits?.addresses != null && obj.addresses === opts.limits.addresses) {
                throw new MaxLengthError('Streaming decode error - repeated field "addresses" had too many elements')
              }

              yield {
                field: `${prefix}.addresses[]`,
                index: obj.addresses,
                value: reader.string()
              }

              obj.addresses++

              break
            }
            case 5: {
              yield {
                field: `${prefix}.capacityBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.usedBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.remainingBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.usedPercent`,
                value: reader.double()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.chunks`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.lastSeenAgoMs`,
                value: reader.uint64Number()
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

  export interface PeerCapacityPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface PeerCapacityRackFieldEvent {
    field: '$.rack'
    value: string
  }

  export interface PeerCapacityStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface PeerCapacityAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export interface PeerCapacityCapacityBytesFieldEvent {
    field: '$.capacityBytes'
    value: number
  }

  export interface PeerCapacityUsedBytesFieldEvent {
    field: '$.usedBytes'
    value: number
  }

  export interface PeerCapacityRemainingBytesFieldEvent {
    field: '$.remainingBytes'
    value: number
  }

  export interface PeerCapacityUsedPercentFieldEvent {
    field: '$.usedPercent'
    value: number
  }

  export interface PeerCapacityChunksFieldEvent {
    field: '$.chunks'
    value: number
  }

  export interface PeerCapacityLastSeenAgoMsFieldEvent {
    field: '$.lastSeenAgoMs'
    value: number
  }

  export function encode (obj: Partial<PeerCapacity>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerCapacity.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerCapacity>): PeerCapacity {
    return decodeMessage(buf, PeerCapacity.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerCapacity>): Generator<PeerCapacityPeerFieldEvent | PeerCapacityRackFieldEvent | PeerCapacityStateFieldEvent | PeerCapacityAddressesFieldEvent | PeerCapacityCapacityBytesFieldEvent | PeerCapacityUsedBytesFieldEvent | PeerCapacityRemainingBytesFieldEvent | PeerCapacityUsedPercentFieldEvent | PeerCapacityChunksFieldEvent | PeerCapacityLastSeenAgoMsFieldEvent> {
    return streamMessage(buf, PeerCapacity.codec(), opts)
  }
}

export interface CapacityReport {
  capacityBytes: number
  usedBytes: number
  remainingBytes: number
  nonChunkUsedBytes: number
  usedPercent: number
  livePeers: number
  suspectPeers: number
  deadPeers: number
  peers: PeerCapacity[]
  files: number
  chunks: number
  underReplicated: number
  repairQueue: number
  repairedChunks: number
  repairedBytes: number
}

export namespace CapacityReport {
  let _codec: Codec<CapacityReport>

  export const codec = (): Codec<CapacityReport> => {
    if (_codec == null) {
      _codec = message<CapacityReport>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.capacityBytes != null && obj.capacityBytes !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.capacityBytes)
        }

        if ((obj.usedBytes != null && obj.usedBytes !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.usedBytes)
        }

        if ((obj.remainingBytes != null && obj.remainingBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.remainingBytes)
        }

        if ((obj.nonChunkUsedBytes != null && obj.nonChunkUsedBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.nonChunkUsedBytes)
        }

        if ((obj.usedPercent != null && obj.usedPercent !== 0)) {
          w.uint32(41)
          w.double(obj.usedPercent)
        }

        if ((obj.livePeers != null && obj.livePeers !== 0)) {
          w.uint32(48)
          w.uint32(obj.livePeers)
        }

        if ((obj.suspectPeers != null && obj.suspectPeers !== 0)) {
          w.uint32(56)
          w.uint32(obj.suspectPeers)
        }

        if ((obj.deadPeers != null && obj.deadPeers !== 0)) {
          w.uint32(64)
          w.uint32(obj.deadPeers)
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(74)
            PeerCapacity.codec().encode(value, w)
          }
        }

        if ((obj.files != null && obj.files !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.files)
        }

        if ((obj.chunks != null && obj.chunks !== 0)) {
          w.uint32(88)
          w.uint64Number(obj.chunks)
        }

        if ((obj.underReplicated != null && obj.underReplicated !== 0)) {
          w.uint32(96)
          w.uint64Number(obj.underReplicated)
        }

        if ((obj.repairQueue != null && obj.repairQueue !== 0)) {
          w.uint32(104)
          w.uint64Number(obj.repairQueue)
        }

        if ((obj.repairedChunks != null && obj.repairedChunks !== 0)) {
          w.uint32(112)
          w.uint64Number(obj.repairedChunks)
        }

        if ((obj.repairedBytes != null && obj.repairedBytes !== 0)) {
          w.uint32(120)
          w.uint64Number(obj.repairedBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          capacityBytes: 0,
          usedBytes: 0,
          remainingBytes: 0,
          nonChunkUsedBytes: 0,
          usedPercent: 0,
          livePeers: 0,
          suspectPeers: 0,
          deadPeers: 0,
          peers: [],
          files: 0,
          chunks: 0,
          underReplicated: 0,
          repairQueue: 0,
          repairedChunks: 0,
          repairedBytes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.capacityBytes = reader.uint64Number()
              break
            }
            case 2: {
              obj.usedBytes = reader.uint64Number()
              break
            }
            case 3: {
              obj.remainingBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.nonChunkUsedBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.usedPercent = reader.double()
              break
            }
            case 6: {
              obj.livePeers = reader.uint32()
              break
            }
            case 7: {
              obj.suspectPeers = reader.uint32()
              break
            }
            case 8: {
              obj.deadPeers = reader.uint32()
              break
            }
            case 9: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(PeerCapacity.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.peers$
              }))
              break
            }
            case 10: {
              obj.files = reader.uint64Number()
              break
            }
            case 11: {
              obj.chunks = reader.uint64Number()
              break
            }
            case 12: {
              obj.underReplicated = reader.uint64Number()
              break
            }
            case 13: {
              obj.repairQueue = reader.uint64Number()
              break
            }
            case 14: {
              obj.repairedChunks = reader.uint64Number()
              break
            }
            case 15: {
              obj.repairedBytes = reader.uint64Number()
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
          peers: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.capacityBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.usedBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.remainingBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.nonChunkUsedBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.usedPercent`,
                value: reader.double()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.livePeers`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.suspectPeers`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.deadPeers`,
                value: reader.uint32()
              }
              break
            }
            case 9: {
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of PeerCapacity.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
                limits: opts.limits?.peers$
              })) {
                yield {
                  ...evt,
                  index: obj.peers
                }
              }

              obj.peers++

              break
            }
            case 10: {
              yield {
                field: `${prefix}.files`,
                value: reader.uint64Number()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.chunks`,
                value: reader.uint64Number()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.underReplicated`,
                value: reader.uint64Number()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.repairQueue`,
                value: reader.uint64Number()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.repairedChunks`,
                value: reader.uint64Number()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.repairedBytes`,
                value: reader.uint64Number()
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

  export interface CapacityReportCapacityBytesFieldEvent {
    field: '$.capacityBytes'
    value: number
  }

  export interface CapacityReportUsedBytesFieldEvent {
    field: '$.usedBytes'
    value: number
  }

  export interface CapacityReportRemainingBytesFieldEvent {
    field: '$.remainingBytes'
    value: number
  }

  export interface CapacityReportNonChunkUsedBytesFieldEvent {
    field: '$.nonChunkUsedBytes'
    value: number
  }

  export interface CapacityReportUsedPercentFieldEvent {
    field: '$.usedPercent'
    value: number
  }

  export interface CapacityReportLivePeersFieldEvent {
    field: '$.livePeers'
    value: number
  }

  export interface CapacityReportSuspectPeersFieldEvent {
    field: '$.suspectPeers'
    value: number
  }

  export interface CapacityReportDeadPeersFieldEvent {
    field: '$.deadPeers'
    value: number
  }

  export interface CapacityReportPeersPeerFieldEvent {
    field: '$.peers[].peer'
    value: string
    index: number
  }

  export interface CapacityReportPeersRackFieldEvent {
    field: '$.peers[].rack'
    value: string
    index: number
  }

  export interface CapacityReportPeersStateFieldEvent {
    field: '$.peers[].state'
    value: string
    index: number
  }

  export interface CapacityReportPeersAddressesFieldEvent {
    field: '$.peers[].addresses[]'
    index: number
    value: string
  }

  export interface CapacityReportPeersCapacityBytesFieldEvent {
    field: '$.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface CapacityReportPeersUsedBytesFieldEvent {
    field: '$.peers[].usedBytes'
    value: number
    index: number
  }

  export interface CapacityReportPeersRemainingBytesFieldEvent {
    field: '$.peers[].remainingBytes'
    value: number
    index: number
  }

  export interface CapacityReportPeersUsedPercentFieldEvent {
    field: '$.peers[].usedPercent'
    value: number
    index: number
  }

  export interface CapacityReportPeersChunksFieldEvent {
    field: '$.peers[].chunks'
    value: number
    index: number
  }

  export interface CapacityReportPeersLastSeenAgoMsFieldEvent {
    field: '$.peers[].lastSeenAgoMs'
    value: number
    index: number
  }

  export interface CapacityReportFilesFieldEvent {
    field: '$.files'
    value: number
  }

  export interface CapacityReportChunksFieldEvent {
    field: '$.chunks'
    value: number
  }

  export interface CapacityReportUnderReplicatedFieldEvent {
    field: '$.underReplicated'
    value: number
  }

  export interface CapacityReportRepairQueueFieldEvent {
    field: '$.repairQueue'
    value: number
  }

  export interface CapacityReportRepairedChunksFieldEvent {
    field: '$.repairedChunks'
    value: number
  }

  export interface CapacityReportRepairedBytesFieldEvent {
    field: '$.repairedBytes'
    value: number
  }

  export function encode (obj: Partial<CapacityReport>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, CapacityReport.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CapacityReport>): CapacityReport {
    return decodeMessage(buf, CapacityReport.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CapacityReport>): Generator<CapacityReportCapacityBytesFieldEvent | CapacityReportUsedBytesFieldEvent | CapacityReportRemainingBytesFieldEvent | CapacityReportNonChunkUsedBytesFieldEvent | CapacityReportUsedPercentFieldEvent | CapacityReportLivePeersFieldEvent | CapacityReportSuspectPeersFieldEvent | CapacityReportDeadPeersFieldEvent | CapacityReportPeersPeerFieldEvent | CapacityReportPeersRackFieldEvent | CapacityReportPeersStateFieldEvent | CapacityReportPeersAddressesFieldEvent | CapacityReportPeersCapacityBytesFieldEvent | CapacityReportPeersUsedBytesFieldEvent | CapacityReportPeersRemainingBytesFieldEvent | CapacityReportPeersUsedPercentFieldEvent | CapacityReportPeersChunksFieldEvent | CapacityReportPeersLastSeenAgoMsFieldEvent | CapacityReportFilesFieldEvent | CapacityReportChunksFieldEvent | CapacityReportUnderReplicatedFieldEvent | CapacityReportRepairQueueFieldEvent | CapacityReportRepairedChunksFieldEvent | CapacityReportRepairedBytesFieldEvent> {
    return streamMessage(buf, CapacityReport.codec(), opts)
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
  fs?: FsResponse
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

        if (obj.fs != null) {
          w.uint32(58)
          FsResponse.codec().encode(obj.fs, w)
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
            case 7: {
              obj.fs = FsResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.fs
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
            case 7: {
              yield * FsResponse.codec().stream(reader, reader.uint32(), `${prefix}.fs`, {
                limits: opts.limits?.fs
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

  export interface MetaResponseFsFileIdFieldEvent {
    field: '$.fs.fileId'
    value: number
  }

  export interface MetaResponseFsChunkChunkIdFieldEvent {
    field: '$.fs.chunk.chunkId'
    value: string
  }

  export interface MetaResponseFsChunkIndexFieldEvent {
    field: '$.fs.chunk.index'
    value: number
  }

  export interface MetaResponseFsChunkVersionFieldEvent {
    field: '$.fs.chunk.version'
    value: number
  }

  export interface MetaResponseFsChunkSizeBytesFieldEvent {
    field: '$.fs.chunk.sizeBytes'
    value: number
  }

  export interface MetaResponseFsChunkCommittedFieldEvent {
    field: '$.fs.chunk.committed'
    value: boolean
  }

  export interface MetaResponseFsChunkReplicasPeerFieldEvent {
    field: '$.fs.chunk.replicas[].peer'
    value: string
    index: number
  }

  export interface MetaResponseFsChunkReplicasRackFieldEvent {
    field: '$.fs.chunk.replicas[].rack'
    value: string
    index: number
  }

  export interface MetaResponseFsChunkReplicasAddressesFieldEvent {
    field: '$.fs.chunk.replicas[].addresses[]'
    index: number
    value: string
  }

  export interface MetaResponseFsStatPathFieldEvent {
    field: '$.fs.stat.path'
    value: string
  }

  export interface MetaResponseFsStatKindFieldEvent {
    field: '$.fs.stat.kind'
    value: string
  }

  export interface MetaResponseFsStatSizeBytesFieldEvent {
    field: '$.fs.stat.sizeBytes'
    value: number
  }

  export interface MetaResponseFsStatReplicationFieldEvent {
    field: '$.fs.stat.replication'
    value: number
  }

  export interface MetaResponseFsStatChunkSizeBytesFieldEvent {
    field: '$.fs.stat.chunkSizeBytes'
    value: number
  }

  export interface MetaResponseFsStatMtimeMsFieldEvent {
    field: '$.fs.stat.mtimeMs'
    value: number
  }

  export interface MetaResponseFsStatStateFieldEvent {
    field: '$.fs.stat.state'
    value: string
  }

  export interface MetaResponseFsStatChunksChunkIdFieldEvent {
    field: '$.fs.stat.chunks[].chunkId'
    value: string
    index: number
  }

  export interface MetaResponseFsStatChunksIndexFieldEvent {
    field: '$.fs.stat.chunks[].index'
    value: number
    index: number
  }

  export interface MetaResponseFsStatChunksVersionFieldEvent {
    field: '$.fs.stat.chunks[].version'
    value: number
    index: number
  }

  export interface MetaResponseFsStatChunksSizeBytesFieldEvent {
    field: '$.fs.stat.chunks[].sizeBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsStatChunksCommittedFieldEvent {
    field: '$.fs.stat.chunks[].committed'
    value: boolean
    index: number
  }

  export interface MetaResponseFsStatChunksReplicasPeerFieldEvent {
    field: '$.fs.stat.chunks[].replicas[].peer'
    value: string
    index: number
  }

  export interface MetaResponseFsStatChunksReplicasRackFieldEvent {
    field: '$.fs.stat.chunks[].replicas[].rack'
    value: string
    index: number
  }

  export interface MetaResponseFsStatChunksReplicasAddressesFieldEvent {
    field: '$.fs.stat.chunks[].replicas[].addresses[]'
    index: number
    value: string
  }

  export interface MetaResponseFsStatFileIdFieldEvent {
    field: '$.fs.stat.fileId'
    value: number
  }

  export interface MetaResponseFsEntriesPathFieldEvent {
    field: '$.fs.entries[].path'
    value: string
    index: number
  }

  export interface MetaResponseFsEntriesKindFieldEvent {
    field: '$.fs.entries[].kind'
    value: string
    index: number
  }

  export interface MetaResponseFsEntriesSizeBytesFieldEvent {
    field: '$.fs.entries[].sizeBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesReplicationFieldEvent {
    field: '$.fs.entries[].replication'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesChunkSizeBytesFieldEvent {
    field: '$.fs.entries[].chunkSizeBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesMtimeMsFieldEvent {
    field: '$.fs.entries[].mtimeMs'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesStateFieldEvent {
    field: '$.fs.entries[].state'
    value: string
    index: number
  }

  export interface MetaResponseFsEntriesChunksChunkIdFieldEvent {
    field: '$.fs.entries[].chunks[].chunkId'
    value: string
    index: number
  }

  export interface MetaResponseFsEntriesChunksIndexFieldEvent {
    field: '$.fs.entries[].chunks[].index'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesChunksVersionFieldEvent {
    field: '$.fs.entries[].chunks[].version'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesChunksSizeBytesFieldEvent {
    field: '$.fs.entries[].chunks[].sizeBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsEntriesChunksCommittedFieldEvent {
    field: '$.fs.entries[].chunks[].committed'
    value: boolean
    index: number
  }

  export interface MetaResponseFsEntriesChunksReplicasPeerFieldEvent {
    field: '$.fs.entries[].chunks[].replicas[].peer'
    value: string
    index: number
  }

  export interface MetaResponseFsEntriesChunksReplicasRackFieldEvent {
    field: '$.fs.entries[].chunks[].replicas[].rack'
    value: string
    index: number
  }

  export interface MetaResponseFsEntriesChunksReplicasAddressesFieldEvent {
    field: '$.fs.entries[].chunks[].replicas[].addresses[]'
    index: number
    value: string
  }

  export interface MetaResponseFsEntriesFileIdFieldEvent {
    field: '$.fs.entries[].fileId'
    value: number
    index: number
  }

  export interface MetaResponseFsNextFieldEvent {
    field: '$.fs.next'
    value: string
  }

  export interface MetaResponseFsFilesFieldEvent {
    field: '$.fs.files'
    value: number
  }

  export interface MetaResponseFsDirectoriesFieldEvent {
    field: '$.fs.directories'
    value: number
  }

  export interface MetaResponseFsChunksFieldEvent {
    field: '$.fs.chunks'
    value: number
  }

  export interface MetaResponseFsFsckStatusFieldEvent {
    field: '$.fs.fsck.status'
    value: string
  }

  export interface MetaResponseFsFsckPathFieldEvent {
    field: '$.fs.fsck.path'
    value: string
  }

  export interface MetaResponseFsFsckFilesFieldEvent {
    field: '$.fs.fsck.files'
    value: number
  }

  export interface MetaResponseFsFsckDirectoriesFieldEvent {
    field: '$.fs.fsck.directories'
    value: number
  }

  export interface MetaResponseFsFsckChunksFieldEvent {
    field: '$.fs.fsck.chunks'
    value: number
  }

  export interface MetaResponseFsFsckSizeBytesFieldEvent {
    field: '$.fs.fsck.sizeBytes'
    value: number
  }

  export interface MetaResponseFsFsckHealthyFieldEvent {
    field: '$.fs.fsck.healthy'
    value: number
  }

  export interface MetaResponseFsFsckUnderReplicatedFieldEvent {
    field: '$.fs.fsck.underReplicated'
    value: number
  }

  export interface MetaResponseFsFsckCorruptFieldEvent {
    field: '$.fs.fsck.corrupt'
    value: number
  }

  export interface MetaResponseFsFsckMissingFieldEvent {
    field: '$.fs.fsck.missing'
    value: number
  }

  export interface MetaResponseFsFsckOverReplicatedFieldEvent {
    field: '$.fs.fsck.overReplicated'
    value: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesPathFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].path'
    value: string
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesStatusFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].status'
    value: string
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesReplicationFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].replication'
    value: number
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesSizeBytesFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].sizeBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesChunksFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].chunks'
    value: number
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesUnderReplicatedFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].underReplicated'
    value: number
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesCorruptFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].corrupt'
    value: number
    index: number
  }

  export interface MetaResponseFsFsckUnhealthyFilesMissingFieldEvent {
    field: '$.fs.fsck.unhealthyFiles[].missing'
    value: number
    index: number
  }

  export interface MetaResponseFsFsckTruncatedFieldEvent {
    field: '$.fs.fsck.truncated'
    value: boolean
  }

  export interface MetaResponseFsFsckRepairQueueFieldEvent {
    field: '$.fs.fsck.repairQueue'
    value: number
  }

  export interface MetaResponseFsFsckRepairsInFlightFieldEvent {
    field: '$.fs.fsck.repairsInFlight'
    value: number
  }

  export interface MetaResponseFsFsckRepairedChunksFieldEvent {
    field: '$.fs.fsck.repairedChunks'
    value: number
  }

  export interface MetaResponseFsReportCapacityBytesFieldEvent {
    field: '$.fs.report.capacityBytes'
    value: number
  }

  export interface MetaResponseFsReportUsedBytesFieldEvent {
    field: '$.fs.report.usedBytes'
    value: number
  }

  export interface MetaResponseFsReportRemainingBytesFieldEvent {
    field: '$.fs.report.remainingBytes'
    value: number
  }

  export interface MetaResponseFsReportNonChunkUsedBytesFieldEvent {
    field: '$.fs.report.nonChunkUsedBytes'
    value: number
  }

  export interface MetaResponseFsReportUsedPercentFieldEvent {
    field: '$.fs.report.usedPercent'
    value: number
  }

  export interface MetaResponseFsReportLivePeersFieldEvent {
    field: '$.fs.report.livePeers'
    value: number
  }

  export interface MetaResponseFsReportSuspectPeersFieldEvent {
    field: '$.fs.report.suspectPeers'
    value: number
  }

  export interface MetaResponseFsReportDeadPeersFieldEvent {
    field: '$.fs.report.deadPeers'
    value: number
  }

  export interface MetaResponseFsReportPeersPeerFieldEvent {
    field: '$.fs.report.peers[].peer'
    value: string
    index: number
  }

  export interface MetaResponseFsReportPeersRackFieldEvent {
    field: '$.fs.report.peers[].rack'
    value: string
    index: number
  }

  export interface MetaResponseFsReportPeersStateFieldEvent {
    field: '$.fs.report.peers[].state'
    value: string
    index: number
  }

  export interface MetaResponseFsReportPeersAddressesFieldEvent {
    field: '$.fs.report.peers[].addresses[]'
    index: number
    value: string
  }

  export interface MetaResponseFsReportPeersCapacityBytesFieldEvent {
    field: '$.fs.report.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsReportPeersUsedBytesFieldEvent {
    field: '$.fs.report.peers[].usedBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsReportPeersRemainingBytesFieldEvent {
    field: '$.fs.report.peers[].remainingBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsReportPeersUsedPercentFieldEvent {
    field: '$.fs.report.peers[].usedPercent'
    value: number
    index: number
  }

  export interface MetaResponseFsReportPeersChunksFieldEvent {
    field: '$.fs.report.peers[].chunks'
    value: number
    index: number
  }

  export interface MetaResponseFsReportPeersLastSeenAgoMsFieldEvent {
    field: '$.fs.report.peers[].lastSeenAgoMs'
    value: number
    index: number
  }

  export interface MetaResponseFsReportFilesFieldEvent {
    field: '$.fs.report.files'
    value: number
  }

  export interface MetaResponseFsReportChunksFieldEvent {
    field: '$.fs.report.chunks'
    value: number
  }

  export interface MetaResponseFsReportUnderReplicatedFieldEvent {
    field: '$.fs.report.underReplicated'
    value: number
  }

  export interface MetaResponseFsReportRepairQueueFieldEvent {
    field: '$.fs.report.repairQueue'
    value: number
  }

  export interface MetaResponseFsReportRepairedChunksFieldEvent {
    field: '$.fs.report.repairedChunks'
    value: number
  }

  export interface MetaResponseFsReportRepairedBytesFieldEvent {
    field: '$.fs.report.repairedBytes'
    value: number
  }

  export interface MetaResponseFsBalanceMovesFieldEvent {
    field: '$.fs.balance.moves'
    value: number
  }

  export interface MetaResponseFsBalanceBytesMovedFieldEvent {
    field: '$.fs.balance.bytesMoved'
    value: number
  }

  export interface MetaResponseFsBalanceBalancedFieldEvent {
    field: '$.fs.balance.balanced'
    value: boolean
  }

  export interface MetaResponseFsBalanceStoppedByFieldEvent {
    field: '$.fs.balance.stoppedBy'
    value: string
  }

  export interface MetaResponseFsBalanceBeforeMeanPctFieldEvent {
    field: '$.fs.balance.before.meanPct'
    value: number
  }

  export interface MetaResponseFsBalanceBeforeMinPctFieldEvent {
    field: '$.fs.balance.before.minPct'
    value: number
  }

  export interface MetaResponseFsBalanceBeforeMaxPctFieldEvent {
    field: '$.fs.balance.before.maxPct'
    value: number
  }

  export interface MetaResponseFsBalanceBeforeDeviationPctFieldEvent {
    field: '$.fs.balance.before.deviationPct'
    value: number
  }

  export interface MetaResponseFsBalanceBeforePeersPeerFieldEvent {
    field: '$.fs.balance.before.peers[].peer'
    value: string
    index: number
  }

  export interface MetaResponseFsBalanceBeforePeersRackFieldEvent {
    field: '$.fs.balance.before.peers[].rack'
    value: string
    index: number
  }

  export interface MetaResponseFsBalanceBeforePeersUsedBytesFieldEvent {
    field: '$.fs.balance.before.peers[].usedBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsBalanceBeforePeersCapacityBytesFieldEvent {
    field: '$.fs.balance.before.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsBalanceBeforePeersUsedPctFieldEvent {
    field: '$.fs.balance.before.peers[].usedPct'
    value: number
    index: number
  }

  export interface MetaResponseFsBalanceAfterMeanPctFieldEvent {
    field: '$.fs.balance.after.meanPct'
    value: number
  }

  export interface MetaResponseFsBalanceAfterMinPctFieldEvent {
    field: '$.fs.balance.after.minPct'
    value: number
  }

  export interface MetaResponseFsBalanceAfterMaxPctFieldEvent {
    field: '$.fs.balance.after.maxPct'
    value: number
  }

  export interface MetaResponseFsBalanceAfterDeviationPctFieldEvent {
    field: '$.fs.balance.after.deviationPct'
    value: number
  }

  export interface MetaResponseFsBalanceAfterPeersPeerFieldEvent {
    field: '$.fs.balance.after.peers[].peer'
    value: string
    index: number
  }

  export interface MetaResponseFsBalanceAfterPeersRackFieldEvent {
    field: '$.fs.balance.after.peers[].rack'
    value: string
    index: number
  }

  export interface MetaResponseFsBalanceAfterPeersUsedBytesFieldEvent {
    field: '$.fs.balance.after.peers[].usedBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsBalanceAfterPeersCapacityBytesFieldEvent {
    field: '$.fs.balance.after.peers[].capacityBytes'
    value: number
    index: number
  }

  export interface MetaResponseFsBalanceAfterPeersUsedPctFieldEvent {
    field: '$.fs.balance.after.peers[].usedPct'
    value: number
    index: number
  }

  export interface MetaResponseFsDecommissionPeerFieldEvent {
    field: '$.fs.decommission.peer'
    value: string
  }

  export interface MetaResponseFsDecommissionStateFieldEvent {
    field: '$.fs.decommission.state'
    value: string
  }

  export interface MetaResponseFsDecommissionReplicasHeldFieldEvent {
    field: '$.fs.decommission.replicasHeld'
    value: number
  }

  export interface MetaResponseFsDecommissionReplicasToMoveFieldEvent {
    field: '$.fs.decommission.replicasToMove'
    value: number
  }

  export interface MetaResponseFsDecommissionCopiesMadeFieldEvent {
    field: '$.fs.decommission.copiesMade'
    value: number
  }

  export interface MetaResponseFsDecommissionBlockedFieldEvent {
    field: '$.fs.decommission.blocked'
    value: number
  }

  export function encode (obj: Partial<MetaResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MetaResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaResponse>): MetaResponse {
    return decodeMessage(buf, MetaResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaResponse>): Generator<MetaResponseErrorCodeFieldEvent | MetaResponseErrorMessageFieldEvent | MetaResponseLeaderHintFieldEvent | MetaResponseValueFieldEvent | MetaResponseFoundFieldEvent | MetaResponseStatusLeaderFieldEvent | MetaResponseStatusTermFieldEvent | MetaResponseStatusVotersFieldEvent | MetaResponseStatusLearnersFieldEvent | MetaResponseStatusCommitIndexFieldEvent | MetaResponseStatusAppliedIndexFieldEvent | MetaResponseStatusProgressPeerFieldEvent | MetaResponseStatusProgressMatchFieldEvent | MetaResponseStatusProgressNextFieldEvent | MetaResponseStatusProgressStateFieldEvent | MetaResponseStatusProgressLearnerFieldEvent | MetaResponseStatusAnsweredByFieldEvent | MetaResponseFsFileIdFieldEvent | MetaResponseFsChunkChunkIdFieldEvent | MetaResponseFsChunkIndexFieldEvent | MetaResponseFsChunkVersionFieldEvent | MetaResponseFsChunkSizeBytesFieldEvent | MetaResponseFsChunkCommittedFieldEvent | MetaResponseFsChunkReplicasPeerFieldEvent | MetaResponseFsChunkReplicasRackFieldEvent | MetaResponseFsChunkReplicasAddressesFieldEvent | MetaResponseFsStatPathFieldEvent | MetaResponseFsStatKindFieldEvent | MetaResponseFsStatSizeBytesFieldEvent | MetaResponseFsStatReplicationFieldEvent | MetaResponseFsStatChunkSizeBytesFieldEvent | MetaResponseFsStatMtimeMsFieldEvent | MetaResponseFsStatStateFieldEvent | MetaResponseFsStatChunksChunkIdFieldEvent | MetaResponseFsStatChunksIndexFieldEvent | MetaResponseFsStatChunksVersionFieldEvent | MetaResponseFsStatChunksSizeBytesFieldEvent | MetaResponseFsStatChunksCommittedFieldEvent | MetaResponseFsStatChunksReplicasPeerFieldEvent | MetaResponseFsStatChunksReplicasRackFieldEvent | MetaResponseFsStatChunksReplicasAddressesFieldEvent | MetaResponseFsStatFileIdFieldEvent | MetaResponseFsEntriesPathFieldEvent | MetaResponseFsEntriesKindFieldEvent | MetaResponseFsEntriesSizeBytesFieldEvent | MetaResponseFsEntriesReplicationFieldEvent | MetaResponseFsEntriesChunkSizeBytesFieldEvent | MetaResponseFsEntriesMtimeMsFieldEvent | MetaResponseFsEntriesStateFieldEvent | MetaResponseFsEntriesChunksChunkIdFieldEvent | MetaResponseFsEntriesChunksIndexFieldEvent | MetaResponseFsEntriesChunksVersionFieldEvent | MetaResponseFsEntriesChunksSizeBytesFieldEvent | MetaResponseFsEntriesChunksCommittedFieldEvent | MetaResponseFsEntriesChunksReplicasPeerFieldEvent | MetaResponseFsEntriesChunksReplicasRackFieldEvent | MetaResponseFsEntriesChunksReplicasAddressesFieldEvent | MetaResponseFsEntriesFileIdFieldEvent | MetaResponseFsNextFieldEvent | MetaResponseFsFilesFieldEvent | MetaResponseFsDirectoriesFieldEvent | MetaResponseFsChunksFieldEvent | MetaResponseFsFsckStatusFieldEvent | MetaResponseFsFsckPathFieldEvent | MetaResponseFsFsckFilesFieldEvent | MetaResponseFsFsckDirectoriesFieldEvent | MetaResponseFsFsckChunksFieldEvent | MetaResponseFsFsckSizeBytesFieldEvent | MetaResponseFsFsckHealthyFieldEvent | MetaResponseFsFsckUnderReplicatedFieldEvent | MetaResponseFsFsckCorruptFieldEvent | MetaResponseFsFsckMissingFieldEvent | MetaResponseFsFsckOverReplicatedFieldEvent | MetaResponseFsFsckUnhealthyFilesPathFieldEvent | MetaResponseFsFsckUnhealthyFilesStatusFieldEvent | MetaResponseFsFsckUnhealthyFilesReplicationFieldEvent | MetaResponseFsFsckUnhealthyFilesSizeBytesFieldEvent | MetaResponseFsFsckUnhealthyFilesChunksFieldEvent | MetaResponseFsFsckUnhealthyFilesUnderReplicatedFieldEvent | MetaResponseFsFsckUnhealthyFilesCorruptFieldEvent | MetaResponseFsFsckUnhealthyFilesMissingFieldEvent | MetaResponseFsFsckTruncatedFieldEvent | MetaResponseFsFsckRepairQueueFieldEvent | MetaResponseFsFsckRepairsInFlightFieldEvent | MetaResponseFsFsckRepairedChunksFieldEvent | MetaResponseFsReportCapacityBytesFieldEvent | MetaResponseFsReportUsedBytesFieldEvent | MetaResponseFsReportRemainingBytesFieldEvent | MetaResponseFsReportNonChunkUsedBytesFieldEvent | MetaResponseFsReportUsedPercentFieldEvent | MetaResponseFsReportLivePeersFieldEvent | MetaResponseFsReportSuspectPeersFieldEvent | MetaResponseFsReportDeadPeersFieldEvent | MetaResponseFsReportPeersPeerFieldEvent | MetaResponseFsReportPeersRackFieldEvent | MetaResponseFsReportPeersStateFieldEvent | MetaResponseFsReportPeersAddressesFieldEvent | MetaResponseFsReportPeersCapacityBytesFieldEvent | MetaResponseFsReportPeersUsedBytesFieldEvent | MetaResponseFsReportPeersRemainingBytesFieldEvent | MetaResponseFsReportPeersUsedPercentFieldEvent | MetaResponseFsReportPeersChunksFieldEvent | MetaResponseFsReportPeersLastSeenAgoMsFieldEvent | MetaResponseFsReportFilesFieldEvent | MetaResponseFsReportChunksFieldEvent | MetaResponseFsReportUnderReplicatedFieldEvent | MetaResponseFsReportRepairQueueFieldEvent | MetaResponseFsReportRepairedChunksFieldEvent | MetaResponseFsReportRepairedBytesFieldEvent | MetaResponseFsBalanceMovesFieldEvent | MetaResponseFsBalanceBytesMovedFieldEvent | MetaResponseFsBalanceBalancedFieldEvent | MetaResponseFsBalanceStoppedByFieldEvent | MetaResponseFsBalanceBeforeMeanPctFieldEvent | MetaResponseFsBalanceBeforeMinPctFieldEvent | MetaResponseFsBalanceBeforeMaxPctFieldEvent | MetaResponseFsBalanceBeforeDeviationPctFieldEvent | MetaResponseFsBalanceBeforePeersPeerFieldEvent | MetaResponseFsBalanceBeforePeersRackFieldEvent | MetaResponseFsBalanceBeforePeersUsedBytesFieldEvent | MetaResponseFsBalanceBeforePeersCapacityBytesFieldEvent | MetaResponseFsBalanceBeforePeersUsedPctFieldEvent | MetaResponseFsBalanceAfterMeanPctFieldEvent | MetaResponseFsBalanceAfterMinPctFieldEvent | MetaResponseFsBalanceAfterMaxPctFieldEvent | MetaResponseFsBalanceAfterDeviationPctFieldEvent | MetaResponseFsBalanceAfterPeersPeerFieldEvent | MetaResponseFsBalanceAfterPeersRackFieldEvent | MetaResponseFsBalanceAfterPeersUsedBytesFieldEvent | MetaResponseFsBalanceAfterPeersCapacityBytesFieldEvent | MetaResponseFsBalanceAfterPeersUsedPctFieldEvent | MetaResponseFsDecommissionPeerFieldEvent | MetaResponseFsDecommissionStateFieldEvent | MetaResponseFsDecommissionReplicasHeldFieldEvent | MetaResponseFsDecommissionReplicasToMoveFieldEvent | MetaResponseFsDecommissionCopiesMadeFieldEvent | MetaResponseFsDecommissionBlockedFieldEvent> {
    return streamMessage(buf, MetaResponse.codec(), opts)
  }
}
