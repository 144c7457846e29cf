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

  export function encode (obj: Partial<MetaRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MetaRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaRequest>): MetaRequest {
    return decodeMessage(buf, MetaRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaRequest>): Generator<MetaRequestOpFieldEvent | MetaRequestKeyFieldEvent | MetaRequestValueFieldEvent | MetaRequestForwardedFieldEvent | MetaRequestFsOpFieldEvent | MetaRequestFsPathFieldEvent | MetaRequestFsDstFieldEvent | MetaRequestFsParentsFieldEvent | MetaRequestFsRecursiveFieldEvent | MetaRequestFsReplicationFieldEvent | MetaRequestFsChunkSizeBytesFieldEvent | MetaRequestFsClientIdFieldEvent | MetaRequestFsFileIdFieldEvent | MetaRequestFsChunkIdFieldEvent | MetaRequestFsVersionFieldEvent | MetaRequestFsSizeBytesFieldEvent | MetaRequestFsWriterPeerFieldEvent | MetaRequestFsExcludePeersFieldEvent | MetaRequestFsAfterFieldEvent | MetaRequestFsLimitFieldEvent | MetaRequestFsPeerFieldEvent> {
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

  export function encode (obj: Partial<FsRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsRequest>): FsRequest {
    return decodeMessage(buf, FsRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsRequest>): Generator<FsRequestOpFieldEvent | FsRequestPathFieldEvent | FsRequestDstFieldEvent | FsRequestParentsFieldEvent | FsRequestRecursiveFieldEvent | FsRequestReplicationFieldEvent | FsRequestChunkSizeBytesFieldEvent | FsRequestClientIdFieldEvent | FsRequestFileIdFieldEvent | FsRequestChunkIdFieldEvent | FsRequestVersionFieldEvent | FsRequestSizeBytesFieldEvent | FsRequestWriterPeerFieldEvent | FsRequestExcludePeersFieldEvent | FsRequestAfterFieldEvent | FsRequestLimitFieldEvent | FsRequestPeerFieldEvent> {
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

  export function encode (obj: Partial<FsResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, FsResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsResponse>): FsResponse {
    return decodeMessage(buf, FsResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FsResponse>): Generator<FsResponseFileIdFieldEvent | FsResponseChunkChunkIdFieldEvent | FsResponseChunkIndexFieldEvent | FsResponseChunkVersionFieldEvent | FsResponseChunkSizeBytesFieldEvent | FsResponseChunkCommittedFieldEvent | FsResponseChunkReplicasPeerFieldEvent | FsResponseChunkReplicasRackFieldEvent | FsResponseChunkReplicasAddressesFieldEvent | FsResponseStatPathFieldEvent | FsResponseStatKindFieldEvent | FsResponseStatSizeBytesFieldEvent | FsResponseStatReplicationFieldEvent | FsResponseStatChunkSizeBytesFieldEvent | FsResponseStatMtimeMsFieldEvent | FsResponseStatStateFieldEvent | FsResponseStatChunksChunkIdFieldEvent | FsResponseStatChunksIndexFieldEvent | FsResponseStatChunksVersionFieldEvent | FsResponseStatChunksSizeBytesFieldEvent | FsResponseStatChunksCommittedFieldEvent | FsResponseStatChunksReplicasPeerFieldEvent | FsResponseStatChunksReplicasRackFieldEvent | FsResponseStatChunksReplicasAddressesFieldEvent | FsResponseStatFileIdFieldEvent | FsResponseEntriesPathFieldEvent | FsResponseEntriesKindFieldEvent | FsResponseEntriesSizeBytesFieldEvent | FsResponseEntriesReplicationFieldEvent | FsResponseEntriesChunkSizeBytesFieldEvent | FsResponseEntriesMtimeMsFieldEvent | FsResponseEntriesStateFieldEvent | FsResponseEntriesChunksChunkIdFieldEvent | FsResponseEntriesChunksIndexFieldEvent | FsResponseEntriesChunksVersionFieldEvent | FsResponseEntriesChunksSizeBytesFieldEvent | FsResponseEntriesChunksCommittedFieldEvent | FsResponseEntriesChunksReplicasPeerFieldEvent | FsResponseEntriesChunksReplicasRackFieldEvent | FsResponseEntriesChunksReplicasAddressesFieldEvent | FsResponseEntriesFileIdFieldEvent | FsResponseNextFieldEvent | FsResponseFilesFieldEvent | FsResponseDirectoriesFieldEvent | FsResponseChunksFieldEvent> {
    return streamMessage(buf, FsResponse.codec(), opts)
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

  export function encode (obj: Partial<MetaResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MetaResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaResponse>): MetaResponse {
    return decodeMessage(buf, MetaResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MetaResponse>): Generator<MetaResponseErrorCodeFieldEvent | MetaResponseErrorMessageFieldEvent | MetaResponseLeaderHintFieldEvent | MetaResponseValueFieldEvent | MetaResponseFoundFieldEvent | MetaResponseStatusLeaderFieldEvent | MetaResponseStatusTermFieldEvent | MetaResponseStatusVotersFieldEvent | MetaResponseStatusLearnersFieldEvent | MetaResponseStatusCommitIndexFieldEvent | MetaResponseStatusAppliedIndexFieldEvent | MetaResponseStatusProgressPeerFieldEvent | MetaResponseStatusProgressMatchFieldEvent | MetaResponseStatusProgressNextFieldEvent | MetaResponseStatusProgressStateFieldEvent | MetaResponseStatusProgressLearnerFieldEvent | MetaResponseStatusAnsweredByFieldEvent | MetaResponseFsFileIdFieldEvent | MetaResponseFsChunkChunkIdFieldEvent | MetaResponseFsChunkIndexFieldEvent | MetaResponseFsChunkVersionFieldEvent | MetaResponseFsChunkSizeBytesFieldEvent | MetaResponseFsChunkCommittedFieldEvent | MetaResponseFsChunkReplicasPeerFieldEvent | MetaResponseFsChunkReplicasRackFieldEvent | MetaResponseFsChunkReplicasAddressesFieldEvent | MetaResponseFsStatPathFieldEvent | MetaResponseFsStatKindFieldEvent | MetaResponseFsStatSizeBytesFieldEvent | MetaResponseFsStatReplicationFieldEvent | MetaResponseFsStatChunkSizeBytesFieldEvent | MetaResponseFsStatMtimeMsFieldEvent | MetaResponseFsStatStateFieldEvent | MetaResponseFsStatChunksChunkIdFieldEvent | MetaResponseFsStatChunksIndexFieldEvent | MetaResponseFsStatChunksVersionFieldEvent | MetaResponseFsStatChunksSizeBytesFieldEvent | MetaResponseFsStatChunksCommittedFieldEvent | MetaResponseFsStatChunksReplicasPeerFieldEvent | MetaResponseFsStatChunksReplicasRackFieldEvent | MetaResponseFsStatChunksReplicasAddressesFieldEvent | MetaResponseFsStatFileIdFieldEvent | MetaResponseFsEntriesPathFieldEvent | MetaResponseFsEntriesKindFieldEvent | MetaResponseFsEntriesSizeBytesFieldEvent | MetaResponseFsEntriesReplicationFieldEvent | MetaResponseFsEntriesChunkSizeBytesFieldEvent | MetaResponseFsEntriesMtimeMsFieldEvent | MetaResponseFsEntriesStateFieldEvent | MetaResponseFsEntriesChunksChunkIdFieldEvent | MetaResponseFsEntriesChunksIndexFieldEvent | MetaResponseFsEntriesChunksVersionFieldEvent | MetaResponseFsEntriesChunksSizeBytesFieldEvent | MetaResponseFsEntriesChunksCommittedFieldEvent | MetaResponseFsEntriesChunksReplicasPeerFieldEvent | MetaResponseFsEntriesChunksReplicasRackFieldEvent | MetaResponseFsEntriesChunksReplicasAddressesFieldEvent | MetaResponseFsEntriesFileIdFieldEvent | MetaResponseFsNextFieldEvent | MetaResponseFsFilesFieldEvent | MetaResponseFsDirectoriesFieldEvent | MetaResponseFsChunksFieldEvent> {
    return streamMessage(buf, MetaResponse.codec(), opts)
  }
}
