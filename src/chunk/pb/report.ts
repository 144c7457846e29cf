import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ReportedChunk {
  chunkId: string
  version: bigint
  sizeBytes: bigint
}

export namespace ReportedChunk {
  let _codec: Codec<ReportedChunk>

  export const codec = (): Codec<ReportedChunk> => {
    if (_codec == null) {
      _codec = message<ReportedChunk>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(10)
          w.string(obj.chunkId)
        }

        if ((obj.version != null && obj.version !== 0n)) {
          w.uint32(16)
          w.uint64(obj.version)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0n)) {
          w.uint32(24)
          w.uint64(obj.sizeBytes)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          chunkId: '',
          version: 0n,
          sizeBytes: 0n
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
              obj.version = reader.uint64()
              break
            }
            case 3: {
              obj.sizeBytes = reader.uint64()
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
                value: reader.uint64()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64()
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

  export interface ReportedChunkChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface ReportedChunkVersionFieldEvent {
    field: '$.version'
    value: bigint
  }

  export interface ReportedChunkSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: bigint
  }

  export function encode (obj: Partial<ReportedChunk>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReportedChunk.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReportedChunk>): ReportedChunk {
    return decodeMessage(buf, ReportedChunk.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReportedChunk>): Generator<ReportedChunkChunkIdFieldEvent | ReportedChunkVersionFieldEvent | ReportedChunkSizeBytesFieldEvent> {
    return streamMessage(buf, ReportedChunk.codec(), opts)
  }
}

export interface BlockReport {
  full: boolean
  first: boolean
  last: boolean
  added: ReportedChunk[]
  removed: string[]
}

export namespace BlockReport {
  let _codec: Codec<BlockReport>

  export const codec = (): Codec<BlockReport> => {
    if (_codec == null) {
      _codec = message<BlockReport>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.full != null && obj.full !== false)) {
          w.uint32(8)
          w.bool(obj.full)
        }

        if ((obj.first != null && obj.first !== false)) {
          w.uint32(16)
          w.bool(obj.first)
        }

        if ((obj.last != null && obj.last !== false)) {
          w.uint32(24)
          w.bool(obj.last)
        }

        if (obj.added != null && obj.added.length > 0) {
          for (const value of obj.added) {
            w.uint32(34)
            ReportedChunk.codec().encode(value, w)
          }
        }

        if (obj.removed != null && obj.removed.length > 0) {
          for (const value of obj.removed) {
            w.uint32(42)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          full: false,
          first: false,
          last: false,
          added: [],
          removed: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.full = reader.bool()
              break
            }
            case 2: {
              obj.first = reader.bool()
              break
            }
            case 3: {
              obj.last = reader.bool()
              break
            }
            case 4: {
              if (opts.limits?.added != null && obj.added.length === opts.limits.added) {
                throw new MaxLengthError('Decode error - repeated field "added" had too many elements')
              }

              obj.added.push(ReportedChunk.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.added$
              }))
              break
            }
            case 5: {
              if (opts.limits?.removed != null && obj.removed.length === opts.limits.removed) {
                throw new MaxLengthError('Decode error - repeated field "removed" had too many elements')
              }

              obj.removed.push(reader.string())
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
          added: 0,
          removed: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.full`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.first`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.last`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              if (opts.limits?.added != null && obj.added === opts.limits.added) {
                throw new MaxLengthError('Streaming decode error - repeated field "added" had too many elements')
              }

              for (const evt of ReportedChunk.codec().stream(reader, reader.uint32(), `${prefix}.added[]`, {
                limits: opts.limits?.added$
              })) {
                yield {
                  ...evt,
                  index: obj.added
                }
              }

              obj.added++

              break
            }
            case 5: {
              if (opts.limits?.removed != null && obj.removed === opts.limits.removed) {
                throw new MaxLengthError('Streaming decode error - repeated field "removed" had too many elements')
              }

              yield {
                field: `${prefix}.removed[]`,
                index: obj.removed,
                value: reader.string()
              }

              obj.removed++

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

  export interface BlockReportFullFieldEvent {
    field: '$.full'
    value: boolean
  }

  export interface BlockReportFirstFieldEvent {
    field: '$.first'
    value: boolean
  }

  export interface BlockReportLastFieldEvent {
    field: '$.last'
    value: boolean
  }

  export interface BlockReportAddedChunkIdFieldEvent {
    field: '$.added[].chunkId'
    value: string
    index: number
  }

  export interface BlockReportAddedVersionFieldEvent {
    field: '$.added[].version'
    value: bigint
    index: number
  }

  export interface BlockReportAddedSizeBytesFieldEvent {
    field: '$.added[].sizeBytes'
    value: bigint
    index: number
  }

  export interface BlockReportRemovedFieldEvent {
    field: '$.removed[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<BlockReport>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BlockReport.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockReport>): BlockReport {
    return decodeMessage(buf, BlockReport.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockReport>): Generator<BlockReportFullFieldEvent | BlockReportFirstFieldEvent | BlockReportLastFieldEvent | BlockReportAddedChunkIdFieldEvent | BlockReportAddedVersionFieldEvent | BlockReportAddedSizeBytesFieldEvent | BlockReportRemovedFieldEvent> {
    return streamMessage(buf, BlockReport.codec(), opts)
  }
}

export interface BlockReportAck {
  errorCode: string
  leaderHint: string
  deleteChunks: string[]
}

export namespace BlockReportAck {
  let _codec: Codec<BlockReportAck>

  export const codec = (): Codec<BlockReportAck> => {
    if (_codec == null) {
      _codec = message<BlockReportAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.errorCode != null && obj.errorCode !== '')) {
          w.uint32(10)
          w.string(obj.errorCode)
        }

        if ((obj.leaderHint != null && obj.leaderHint !== '')) {
          w.uint32(18)
          w.string(obj.leaderHint)
        }

        if (obj.deleteChunks != null && obj.deleteChunks.length > 0) {
          for (const value of obj.deleteChunks) {
            w.uint32(26)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          leaderHint: '',
          deleteChunks: []
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
              obj.leaderHint = reader.string()
              break
            }
            case 3: {
              if (opts.limits?.deleteChunks != null && obj.deleteChunks.length === opts.limits.deleteChunks) {
                throw new MaxLengthError('Decode error - repeated field "deleteChunks" had too many elements')
              }

              obj.deleteChunks.push(reader.string())
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
          deleteChunks: 0
        }

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
                field: `${prefix}.leaderHint`,
                value: reader.string()
              }
              break
            }
            case 3: {
              if (opts.limits?.deleteChunks != null && obj.deleteChunks === opts.limits.deleteChunks) {
                throw new MaxLengthError('Streaming decode error - repeated field "deleteChunks" had too many elements')
              }

              yield {
                field: `${prefix}.deleteChunks[]`,
                index: obj.deleteChunks,
                value: reader.string()
              }

              obj.deleteChunks++

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

  export interface BlockReportAckErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface BlockReportAckLeaderHintFieldEvent {
    field: '$.leaderHint'
    value: string
  }

  export interface BlockReportAckDeleteChunksFieldEvent {
    field: '$.deleteChunks[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<BlockReportAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, BlockReportAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockReportAck>): BlockReportAck {
    return decodeMessage(buf, BlockReportAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<BlockReportAck>): Generator<BlockReportAckErrorCodeFieldEvent | BlockReportAckLeaderHintFieldEvent | BlockReportAckDeleteChunksFieldEvent> {
    return streamMessage(buf, BlockReportAck.codec(), opts)
  }
}
