import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ReplicateTarget {
  peer: string
  addresses: string[]
}

export namespace ReplicateTarget {
  let _codec: Codec<ReplicateTarget>

  export const codec = (): Codec<ReplicateTarget> => {
    if (_codec == null) {
      _codec = message<ReplicateTarget>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(10)
          w.string(obj.peer)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peer: '',
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

  export interface ReplicateTargetPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface ReplicateTargetAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<ReplicateTarget>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicateTarget.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateTarget>): ReplicateTarget {
    return decodeMessage(buf, ReplicateTarget.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateTarget>): Generator<ReplicateTargetPeerFieldEvent | ReplicateTargetAddressesFieldEvent> {
    return streamMessage(buf, ReplicateTarget.codec(), opts)
  }
}

export interface ReplicateRequest {
  op: string
  chunkId: string
  version: number
  sizeBytes: number
  targets: ReplicateTarget[]
}

export namespace ReplicateRequest {
  let _codec: Codec<ReplicateRequest>

  export const codec = (): Codec<ReplicateRequest> => {
    if (_codec == null) {
      _codec = message<ReplicateRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op !== '')) {
          w.uint32(10)
          w.string(obj.op)
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(18)
          w.string(obj.chunkId)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.version)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sizeBytes)
        }

        if (obj.targets != null && obj.targets.length > 0) {
          for (const value of obj.targets) {
            w.uint32(42)
            ReplicateTarget.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          chunkId: '',
          version: 0,
          sizeBytes: 0,
          targets: []
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
              obj.chunkId = reader.string()
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
              if (opts.limits?.targets != null && obj.targets.length === opts.limits.targets) {
                throw new MaxLengthError('Decode error - repeated field "targets" had too many elements')
              }

              obj.targets.push(ReplicateTarget.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.targets$
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
          targets: 0
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
                field: `${prefix}.chunkId`,
                value: reader.string()
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
              if (opts.limits?.targets != null && obj.targets === opts.limits.targets) {
                throw new MaxLengthError('Streaming decode error - repeated field "targets" had too many elements')
              }

              for (const evt of ReplicateTarget.codec().stream(reader, reader.uint32(), `${prefix}.targets[]`, {
                limits: opts.limits?.targets$
              })) {
                yield {
                  ...evt,
                  index: obj.targets
                }
              }

              obj.targets++

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

  export interface ReplicateRequestOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface ReplicateRequestChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface ReplicateRequestVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface ReplicateRequestSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface ReplicateRequestTargetsPeerFieldEvent {
    field: '$.targets[].peer'
    value: string
    index: number
  }

  export interface ReplicateRequestTargetsAddressesFieldEvent {
    field: '$.targets[].addresses[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<ReplicateRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicateRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateRequest>): ReplicateRequest {
    return decodeMessage(buf, ReplicateRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateRequest>): Generator<ReplicateRequestOpFieldEvent | ReplicateRequestChunkIdFieldEvent | ReplicateRequestVersionFieldEvent | ReplicateRequestSizeBytesFieldEvent | ReplicateRequestTargetsPeerFieldEvent | ReplicateRequestTargetsAddressesFieldEvent> {
    return streamMessage(buf, ReplicateRequest.codec(), opts)
  }
}

export interface ReplicateResponse {
  errorCode: string
  errorMessage: string
  failedPeer: string
  sizeBytes: number
  deleted: boolean
}

export namespace ReplicateResponse {
  let _codec: Codec<ReplicateResponse>

  export const codec = (): Codec<ReplicateResponse> => {
    if (_codec == null) {
      _codec = message<ReplicateResponse>((obj, w, opts = {}) => {
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

        if ((obj.failedPeer != null && obj.failedPeer !== '')) {
          w.uint32(26)
          w.string(obj.failedPeer)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.deleted != null && obj.deleted !== false)) {
          w.uint32(40)
          w.bool(obj.deleted)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          errorCode: '',
          errorMessage: '',
          failedPeer: '',
          sizeBytes: 0,
          deleted: false
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
              obj.failedPeer = reader.string()
              break
            }
            case 4: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 5: {
              obj.deleted = reader.bool()
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
                field: `${prefix}.failedPeer`,
                value: reader.string()
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
                field: `${prefix}.deleted`,
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

  export interface ReplicateResponseErrorCodeFieldEvent {
    field: '$.errorCode'
    value: string
  }

  export interface ReplicateResponseErrorMessageFieldEvent {
    field: '$.errorMessage'
    value: string
  }

  export interface ReplicateResponseFailedPeerFieldEvent {
    field: '$.failedPeer'
    value: string
  }

  export interface ReplicateResponseSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface ReplicateResponseDeletedFieldEvent {
    field: '$.deleted'
    value: boolean
  }

  export function encode (obj: Partial<ReplicateResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ReplicateResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateResponse>): ReplicateResponse {
    return decodeMessage(buf, ReplicateResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReplicateResponse>): Generator<ReplicateResponseErrorCodeFieldEvent | ReplicateResponseErrorMessageFieldEvent | ReplicateResponseFailedPeerFieldEvent | ReplicateResponseSizeBytesFieldEvent | ReplicateResponseDeletedFieldEvent> {
    return streamMessage(buf, ReplicateResponse.codec(), opts)
  }
}
