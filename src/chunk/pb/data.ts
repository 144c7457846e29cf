import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface WriteHeader {
  chunkId: string
  version: number
  expectedSizeBytes?: number
  pipeline: string[]
}

export namespace WriteHeader {
  let _codec: Codec<WriteHeader>

  export const codec = (): Codec<WriteHeader> => {
    if (_codec == null) {
      _codec = message<WriteHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(10)
          w.string(obj.chunkId)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.version)
        }

        if (obj.expectedSizeBytes != null) {
          w.uint32(24)
          w.uint64Number(obj.expectedSizeBytes)
        }

        if (obj.pipeline != null && obj.pipeline.length > 0) {
          for (const value of obj.pipeline) {
            w.uint32(34)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunkId: '',
          version: 0,
          pipeline: []
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
              obj.version = reader.uint64Number()
              break
            }
            case 3: {
              obj.expectedSizeBytes = reader.uint64Number()
              break
            }
            case 4: {
              if (opts.limits?.pipeline != null && obj.pipeline.length === opts.limits.pipeline) {
                throw new MaxLengthError('Decode error - repeated field "pipeline" had too many elements')
              }

              obj.pipeline.push(reader.string())
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
          pipeline: 0
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
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.expectedSizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              if (opts.limits?.pipeline != null && obj.pipeline === opts.limits.pipeline) {
                throw new MaxLengthError('Streaming decode error - repeated field "pipeline" had too many elements')
              }

              yield {
                field: `${prefix}.pipeline[]`,
                index: obj.pipeline,
                value: reader.string()
              }

              obj.pipeline++

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

  export interface WriteHeaderChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface WriteHeaderVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface WriteHeaderExpectedSizeBytesFieldEvent {
    field: '$.expectedSizeBytes'
    value: number
  }

  export interface WriteHeaderPipelineFieldEvent {
    field: '$.pipeline[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<WriteHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WriteHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteHeader>): WriteHeader {
    return decodeMessage(buf, WriteHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteHeader>): Generator<WriteHeaderChunkIdFieldEvent | WriteHeaderVersionFieldEvent | WriteHeaderExpectedSizeBytesFieldEvent | WriteHeaderPipelineFieldEvent> {
    return streamMessage(buf, WriteHeader.codec(), opts)
  }
}

export interface WriteFrame {
  kind: WriteFrame.Kind
  seq: number
  sizeBytes: number
  blockCrcs: Uint8Array<ArrayBuffer>
  totalBytes: number
  packetCount: number
  checksumDigest: number
}

export namespace WriteFrame {
  export enum Kind {
    PACKET = 'PACKET',
    COMMIT = 'COMMIT',
    KEEPALIVE = 'KEEPALIVE'
  }

  enum __KindValues {
    PACKET = 0,
    COMMIT = 1,
    KEEPALIVE = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<WriteFrame>

  export const codec = (): Codec<WriteFrame> => {
    if (_codec == null) {
      _codec = message<WriteFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          WriteFrame.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(24)
          w.uint32(obj.sizeBytes)
        }

        if ((obj.blockCrcs != null && obj.blockCrcs.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.blockCrcs)
        }

        if ((obj.totalBytes != null && obj.totalBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.totalBytes)
        }

        if ((obj.packetCount != null && obj.packetCount !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.packetCount)
        }

        if ((obj.checksumDigest != null && obj.checksumDigest !== 0)) {
          w.uint32(56)
          w.uint32(obj.checksumDigest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.PACKET,
          seq: 0,
          sizeBytes: 0,
          blockCrcs: uint8ArrayAlloc(0),
          totalBytes: 0,
          packetCount: 0,
          checksumDigest: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = WriteFrame.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              obj.sizeBytes = reader.uint32()
              break
            }
            case 4: {
              obj.blockCrcs = reader.bytes()
              break
            }
            case 5: {
              obj.totalBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.packetCount = reader.uint64Number()
              break
            }
            case 7: {
              obj.checksumDigest = reader.uint32()
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
                field: `${prefix}.kind`,
                value: WriteFrame.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.blockCrcs`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.totalBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.packetCount`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.checksumDigest`,
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

  export interface WriteFrameKindFieldEvent {
    field: '$.kind'
    value: WriteFrame.Kind
  }

  export interface WriteFrameSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface WriteFrameSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface WriteFrameBlockCrcsFieldEvent {
    field: '$.blockCrcs'
    value: Uint8Array<ArrayBuffer>
  }

  export interface WriteFrameTotalBytesFieldEvent {
    field: '$.totalBytes'
    value: number
  }

  export interface WriteFramePacketCountFieldEvent {
    field: '$.packetCount'
    value: number
  }

  export interface WriteFrameChecksumDigestFieldEvent {
    field: '$.checksumDigest'
    value: number
  }

  export function encode (obj: Partial<WriteFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WriteFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteFrame>): WriteFrame {
    return decodeMessage(buf, WriteFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteFrame>): Generator<WriteFrameKindFieldEvent | WriteFrameSeqFieldEvent | WriteFrameSizeBytesFieldEvent | WriteFrameBlockCrcsFieldEvent | WriteFrameTotalBytesFieldEvent | WriteFramePacketCountFieldEvent | WriteFrameChecksumDigestFieldEvent> {
    return streamMessage(buf, WriteFrame.codec(), opts)
  }
}

export interface ReplicaInfo {
  peerId: string
  sizeBytes: number
  blockCount: number
  checksumDigest: number
}

export namespace ReplicaInfo {
  let _codec: Codec<ReplicaInfo>

  export const codec = (): Codec<ReplicaInfo> => {
    if (_codec == null) {
      _codec = message<ReplicaInfo>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.blockCount != null && obj.blockCount !== 0)) {
          w.uint32(24)
          w.uint32(obj.blockCount)
        }

        if ((obj.checksumDigest != null && obj.checksumDigest !== 0)) {
          w.uint32(32)
          w.uint32(obj.checksumDigest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          sizeBytes: 0,
          blockCount: 0,
          checksumDigest: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 3: {
              obj.blockCount = reader.uint32()
              break
            }
            case 4: {
              obj.checksumDigest = reader.uint32()
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
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.blockCount`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.checksumDigest`,
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

  export interface ReplicaInfoPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface ReplicaInfoSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface ReplicaInfoBlockCountFieldEvent {
    field: '$.blockCount'
    value: number
  }

  export interface ReplicaInfoChecksumDigestFieldEvent {
    field: '$.checksumDigest'
    value: number
  }

  export function encode (obj: Partial<ReplicaInfo>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicaInfo.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicaInfo>): ReplicaInfo {
    return decodeMessage(buf, ReplicaInfo.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicaInfo>): Generator<ReplicaInfoPeerIdFieldEvent | ReplicaInfoSizeBytesFieldEvent | ReplicaInfoBlockCountFieldEvent | ReplicaInfoChecksumDigestFieldEvent> {
    return streamMessage(buf, ReplicaInfo.codec(), opts)
  }
}

export interface WriteError {
  code: string
  failedPeer: string
  message: string
  storeCode: string
}

export namespace WriteError {
  let _codec: Codec<WriteError>

  export const codec = (): Codec<WriteError> => {
    if (_codec == null) {
      _codec = message<WriteError>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.code != null && obj.code !== '')) {
          w.uint32(10)
          w.string(obj.code)
        }

        if ((obj.failedPeer != null && obj.failedPeer !== '')) {
          w.uint32(18)
          w.string(obj.failedPeer)
        }

        if ((obj.message != null && obj.message !== '')) {
          w.uint32(26)
          w.string(obj.message)
        }

        if ((obj.storeCode != null && obj.storeCode !== '')) {
          w.uint32(34)
          w.string(obj.storeCode)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          code: '',
          failedPeer: '',
          message: '',
          storeCode: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.code = reader.string()
              break
            }
            case 2: {
              obj.failedPeer = reader.string()
              break
            }
            case 3: {
              obj.message = reader.string()
              break
            }
            case 4: {
              obj.storeCode = reader.string()
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
                field: `${prefix}.code`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.failedPeer`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.message`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.storeCode`,
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

  export interface WriteErrorCodeFieldEvent {
    field: '$.code'
    value: string
  }

  export interface WriteErrorFailedPeerFieldEvent {
    field: '$.failedPeer'
    value: string
  }

  export interface WriteErrorMessageFieldEvent {
    field: '$.message'
    value: string
  }

  export interface WriteErrorStoreCodeFieldEvent {
    field: '$.storeCode'
    value: string
  }

  export function encode (obj: Partial<WriteError>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WriteError.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteError>): WriteError {
    return decodeMessage(buf, WriteError.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteError>): Generator<WriteErrorCodeFieldEvent | WriteErrorFailedPeerFieldEvent | WriteErrorMessageFieldEvent | WriteErrorStoreCodeFieldEvent> {
    return streamMessage(buf, WriteError.codec(), opts)
  }
}

export interface WriteAck {
  kind: WriteAck.Kind
  seq: number
  replicas: ReplicaInfo[]
  error?: WriteError
}

export namespace WriteAck {
  export enum Kind {
    READY = 'READY',
    PACKET = 'PACKET',
    COMMITTED = 'COMMITTED',
    ERROR = 'ERROR'
  }

  enum __KindValues {
    READY = 0,
    PACKET = 1,
    COMMITTED = 2,
    ERROR = 3
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<WriteAck>

  export const codec = (): Codec<WriteAck> => {
    if (_codec == null) {
      _codec = message<WriteAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          WriteAck.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if (obj.replicas != null && obj.replicas.length > 0) {
          for (const value of obj.replicas) {
            w.uint32(26)
            ReplicaInfo.codec().encode(value, w)
          }
        }

        if (obj.error != null) {
          w.uint32(34)
          WriteError.codec().encode(obj.error, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.READY,
          seq: 0,
          replicas: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = WriteAck.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              if (opts.limits?.replicas != null && obj.replicas.length === opts.limits.replicas) {
                throw new MaxLengthError('Decode error - repeated field "replicas" had too many elements')
              }

              obj.replicas.push(ReplicaInfo.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.replicas$
              }))
              break
            }
            case 4: {
              obj.error = WriteError.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.error
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
          replicas: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: WriteAck.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              if (opts.limits?.replicas != null && obj.replicas === opts.limits.replicas) {
                throw new MaxLengthError('Streaming decode error - repeated field "replicas" had too many elements')
              }

              for (const evt of ReplicaInfo.codec().stream(reader, reader.uint32(), `${prefix}.replicas[]`, {
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
            case 4: {
              yield * WriteError.codec().stream(reader, reader.uint32(), `${prefix}.error`, {
                limits: opts.limits?.error
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

  export interface WriteAckKindFieldEvent {
    field: '$.kind'
    value: WriteAck.Kind
  }

  export interface WriteAckSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface WriteAckReplicasPeerIdFieldEvent {
    field: '$.replicas[].peerId'
    value: string
    index: number
  }

  export interface WriteAckReplicasSizeBytesFieldEvent {
    field: '$.replicas[].sizeBytes'
    value: number
    index: number
  }

  export interface WriteAckReplicasBlockCountFieldEvent {
    field: '$.replicas[].blockCount'
    value: number
    index: number
  }

  export interface WriteAckReplicasChecksumDigestFieldEvent {
    field: '$.replicas[].checksumDigest'
    value: number
    index: number
  }

  export interface WriteAckErrorCodeFieldEvent {
    field: '$.error.code'
    value: string
  }

  export interface WriteAckErrorFailedPeerFieldEvent {
    field: '$.error.failedPeer'
    value: string
  }

  export interface WriteAckErrorMessageFieldEvent {
    field: '$.error.message'
    value: string
  }

  export interface WriteAckErrorStoreCodeFieldEvent {
    field: '$.error.storeCode'
    value: string
  }

  export function encode (obj: Partial<WriteAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, WriteAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteAck>): WriteAck {
    return decodeMessage(buf, WriteAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<WriteAck>): Generator<WriteAckKindFieldEvent | WriteAckSeqFieldEvent | WriteAckReplicasPeerIdFieldEvent | WriteAckReplicasSizeBytesFieldEvent | WriteAckReplicasBlockCountFieldEvent | WriteAckReplicasChecksumDigestFieldEvent | WriteAckErrorCodeFieldEvent | WriteAckErrorFailedPeerFieldEvent | WriteAckErrorMessageFieldEvent | WriteAckErrorStoreCodeFieldEvent> {
    return streamMessage(buf, WriteAck.codec(), opts)
  }
}

export interface ReadRequest {
  chunkId: string
  version: number
  offsetBytes: number
  lengthBytes: number
}

export namespace ReadRequest {
  let _codec: Codec<ReadRequest>

  export const codec = (): Codec<ReadRequest> => {
    if (_codec == null) {
      _codec = message<ReadRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(10)
          w.string(obj.chunkId)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.version)
        }

        if ((obj.offsetBytes != null && obj.offsetBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.offsetBytes)
        }

        if ((obj.lengthBytes != null && obj.lengthBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.lengthBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunkId: '',
          version: 0,
          offsetBytes: 0,
          lengthBytes: 0
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
              obj.version = reader.uint64Number()
              break
            }
            case 3: {
              obj.offsetBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.lengthBytes = reader.uint64Number()
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
                field: `${prefix}.chunkId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.offsetBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.lengthBytes`,
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

  export interface ReadRequestChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface ReadRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ReadRequestOffsetBytesFieldEvent {
    field: '$.offsetBytes'
    value: number
  }

  export interface ReadRequestLengthBytesFieldEvent {
    field: '$.lengthBytes'
    value: number
  }

  export function encode (obj: Partial<ReadRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReadRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadRequest>): ReadRequest {
    return decodeMessage(buf, ReadRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadRequest>): Generator<ReadRequestChunkIdFieldEvent | ReadRequestVersionFieldEvent | ReadRequestOffsetBytesFieldEvent | ReadRequestLengthBytesFieldEvent> {
    return streamMessage(buf, ReadRequest.codec(), opts)
  }
}

export interface ReadResponse {
  errorCode: string
  errorMessage: string
  sizeBytes: number
  offsetBytes: number
  lengthBytes: number
  firstBlock: number
  blockCrcs: Uint8Array<ArrayBuffer>
  blockIndex?: number
}

export namespace ReadResponse {
  let _codec: Codec<ReadResponse>

  export const codec = (): Codec<ReadResponse> => {
    if (_codec == null) {
      _codec = message<ReadResponse>((obj, w, opts = {}) => {
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

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.offsetBytes != null && obj.offsetBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.offsetBytes)
        }

        if ((obj.lengthBytes != null && obj.lengthBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.lengthBytes)
        }

        if ((obj.firstBlock != null && obj.firstBlock !== 0)) {
          w.uint32(48)
          w.uint32(obj.firstBlock)
        }

        if ((obj.blockCrcs != null && obj.blockCrcs.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.blockCrcs)
        }

        if (obj.blockIndex != null) {
          w.uint32(64)
          w.uint32(obj.blockIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          sizeBytes: 0,
          offsetBytes: 0,
          lengthBytes: 0,
          firstBlock: 0,
          blockCrcs: uint8ArrayAlloc(0)
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
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.offsetBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.lengthBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.firstBlock = reader.uint32()
              break
            }
            case 7: {
              obj.blockCrcs = reader.bytes()
              break
            }
            case 8: {
              obj.blockIndex = reader.uint32()
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
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.offsetBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.lengthBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.firstBlock`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.blockCrcs`,
                value: reader.bytes()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.blockIndex`,
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

  export interface ReadResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface ReadResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface ReadResponseSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface ReadResponseOffsetBytesFieldEvent {
    field: '$.offsetBytes'
    value: number
  }

  export interface ReadResponseLengthBytesFieldEvent {
    field: '$.lengthBytes'
    value: number
  }

  export interface ReadResponseFirstBlockFieldEvent {
    field: '$.firstBlock'
    value: number
  }

  export interface ReadResponseBlockCrcsFieldEvent {
    field: '$.blockCrcs'
    value: Uint8Array<ArrayBuffer>
  }

  export interface ReadResponseBlockIndexFieldEvent {
    field: '$.blockIndex'
    value: number
  }

  export function encode (obj: Partial<ReadResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReadResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadResponse>): ReadResponse {
    return decodeMessage(buf, ReadResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadResponse>): Generator<ReadResponseErrorCodeFieldEvent | ReadResponseErrorMessageFieldEvent | ReadResponseSizeBytesFieldEvent | ReadResponseOffsetBytesFieldEvent | ReadResponseLengthBytesFieldEvent | ReadResponseFirstBlockFieldEvent | ReadResponseBlockCrcsFieldEvent | ReadResponseBlockIndexFieldEvent> {
    return streamMessage(buf, ReadResponse.codec(), opts)
  }
}

export interface ReadFrame {
  kind: ReadFrame.Kind
  sizeBytes: number
  errorCode: string
  errorMessage: string
  blockIndex?: number
}

export namespace ReadFrame {
  export enum Kind {
    DATA = 'DATA',
    END = 'END',
    ERROR = 'ERROR'
  }

  enum __KindValues {
    DATA = 0,
    END = 1,
    ERROR = 2
  }

  export namespace Kind {
    export const codec = (): Codec<Kind> => {
      return enumeration<Kind>(__KindValues)
    }
  }

  let _codec: Codec<ReadFrame>

  export const codec = (): Codec<ReadFrame> => {
    if (_codec == null) {
      _codec = message<ReadFrame>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.kind != null && __KindValues[obj.kind] !== 0) {
          w.uint32(8)
          ReadFrame.Kind.codec().encode(obj.kind, w)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(16)
          w.uint32(obj.sizeBytes)
        }

        if ((obj.errorCode != null && obj.errorCode !== '')) {
          w.uint32(26)
          w.string(obj.errorCode)
        }

        if ((obj.errorMessage != null && obj.errorMessage !== '')) {
          w.uint32(34)
          w.string(obj.errorMessage)
        }

        if (obj.blockIndex != null) {
          w.uint32(40)
          w.uint32(obj.blockIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: Kind.DATA,
          sizeBytes: 0,
          errorCode: '',
          errorMessage: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = ReadFrame.Kind.codec().decode(reader)
              break
            }
            case 2: {
              obj.sizeBytes = reader.uint32()
              break
            }
            case 3: {
              obj.errorCode = reader.string()
              break
            }
            case 4: {
              obj.errorMessage = reader.string()
              break
            }
            case 5: {
              obj.blockIndex = reader.uint32()
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
                field: `${prefix}.kind`,
                value: ReadFrame.Kind.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.errorCode`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.errorMessage`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.blockIndex`,
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

  export interface ReadFrameKindFieldEvent {
    field: '$.kind'
    value: ReadFrame.Kind
  }

  export interface ReadFrameSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface ReadFrameErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface ReadFrameErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface ReadFrameBlockIndexFieldEvent {
    field: '$.blockIndex'
    value: number
  }

  export function encode (obj: Partial<ReadFrame>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReadFrame.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadFrame>): ReadFrame {
    return decodeMessage(buf, ReadFrame.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReadFrame>): Generator<ReadFrameKindFieldEvent | ReadFrameSizeBytesFieldEvent | ReadFrameErrorCodeFieldEvent | ReadFrameErrorMessageFieldEvent | ReadFrameBlockIndexFieldEvent> {
    return streamMessage(buf, ReadFrame.codec(), opts)
  }
}
