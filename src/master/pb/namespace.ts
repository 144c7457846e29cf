import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface NamespaceCommand {
  op: string
  key: string
  value: Uint8Array<ArrayBuffer>
  path: string
  dst: string
  parents: boolean
  recursive: boolean
  mtimeMs: number
  nowMs: number
  replication: number
  chunkSizeBytes: number
  clientId: string
  leaseExpiryMs: number
  fileId: number
  chunkId: string
  version: number
  sizeBytes: number
  replicas: string[]
  chunkIds: string[]
  job: Uint8Array<ArrayBuffer>
  tasks: Uint8Array<ArrayBuffer>[]
}

export namespace NamespaceCommand {
  let _codec: Codec<NamespaceCommand>

  export const codec = (): Codec<NamespaceCommand> => {
    if (_codec == null) {
      _codec = message<NamespaceCommand>((obj, w, opts = {}) => {
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

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(34)
          w.string(obj.path)
        }

        if ((obj.dst != null && obj.dst !== '')) {
          w.uint32(42)
          w.string(obj.dst)
        }

        if ((obj.parents != null && obj.parents !== false)) {
          w.uint32(48)
          w.bool(obj.parents)
        }

        if ((obj.recursive != null && obj.recursive !== false)) {
          w.uint32(56)
          w.bool(obj.recursive)
        }

        if ((obj.mtimeMs != null && obj.mtimeMs !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.mtimeMs)
        }

        if ((obj.nowMs != null && obj.nowMs !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.nowMs)
        }

        if ((obj.replication != null && obj.replication !== 0)) {
          w.uint32(80)
          w.uint32(obj.replication)
        }

        if ((obj.chunkSizeBytes != null && obj.chunkSizeBytes !== 0)) {
          w.uint32(88)
          w.uint64Number(obj.chunkSizeBytes)
        }

        if ((obj.clientId != null && obj.clientId !== '')) {
          w.uint32(98)
          w.string(obj.clientId)
        }

        if ((obj.leaseExpiryMs != null && obj.leaseExpiryMs !== 0)) {
          w.uint32(104)
          w.uint64Number(obj.leaseExpiryMs)
        }

        if ((obj.fileId != null && obj.fileId !== 0)) {
          w.uint32(112)
          w.uint64Number(obj.fileId)
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(122)
          w.string(obj.chunkId)
        }

        if ((obj.version != null && obj.version !== 0)) {
          w.uint32(128)
          w.uint64Number(obj.version)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(136)
          w.uint64Number(obj.sizeBytes)
        }

        if (obj.replicas != null && obj.replicas.length > 0) {
          for (const value of obj.replicas) {
            w.uint32(146)
            w.string(value)
          }
        }

        if (obj.chunkIds != null && obj.chunkIds.length > 0) {
          for (const value of obj.chunkIds) {
            w.uint32(154)
            w.string(value)
          }
        }

        if ((obj.job != null && obj.job.byteLength > 0)) {
          w.uint32(162)
          w.bytes(obj.job)
        }

        if (obj.tasks != null && obj.tasks.length > 0) {
          for (const value of obj.tasks) {
            w.uint32(170)
            w.bytes(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          key: '',
          value: uint8ArrayAlloc(0),
          path: '',
          dst: '',
          parents: false,
          recursive: false,
          mtimeMs: 0,
          nowMs: 0,
          replication: 0,
          chunkSizeBytes: 0,
          clientId: '',
          leaseExpiryMs: 0,
          fileId: 0,
          chunkId: '',
          version: 0,
          sizeBytes: 0,
          replicas: [],
          chunkIds: [],
          job: uint8ArrayAlloc(0),
          tasks: []
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
              obj.path = reader.string()
              break
            }
            case 5: {
              obj.dst = reader.string()
              break
            }
            case 6: {
              obj.parents = reader.bool()
              break
            }
            case 7: {
              obj.recursive = reader.bool()
              break
            }
            case 8: {
              obj.mtimeMs = reader.uint64Number()
              break
            }
            case 9: {
              obj.nowMs = reader.uint64Number()
              break
            }
            case 10: {
              obj.replication = reader.uint32()
              break
            }
            case 11: {
              obj.chunkSizeBytes = reader.uint64Number()
              break
            }
            case 12: {
              obj.clientId = reader.string()
              break
            }
            case 13: {
              obj.leaseExpiryMs = reader.uint64Number()
              break
            }
            case 14: {
              obj.fileId = reader.uint64Number()
              break
            }
            case 15: {
              obj.chunkId = reader.string()
              break
            }
            case 16: {
              obj.version = reader.uint64Number()
              break
            }
            case 17: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 18: {
              if (opts.limits?.replicas != null && obj.replicas.length === opts.limits.replicas) {
                throw new MaxLengthError('Decode error - repeated field "replicas" had too many elements')
              }

              obj.replicas.push(reader.string())
              break
            }
            case 19: {
              if (opts.limits?.chunkIds != null && obj.chunkIds.length === opts.limits.chunkIds) {
                throw new MaxLengthError('Decode error - repeated field "chunkIds" had too many elements')
              }

              obj.chunkIds.push(reader.string())
              break
            }
            case 20: {
              obj.job = reader.bytes()
              break
            }
            case 21: {
              if (opts.limits?.tasks != null && obj.tasks.length === opts.limits.tasks) {
                throw new MaxLengthError('Decode error - repeated field "tasks" had too many elements')
              }

              obj.tasks.push(reader.bytes())
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
          replicas: 0,
          chunkIds: 0,
          tasks: 0
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
                field: `${prefix}.path`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.dst`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.parents`,
                value: reader.bool()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.recursive`,
                value: reader.bool()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.mtimeMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.nowMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.replication`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.chunkSizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.clientId`,
                value: reader.string()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.leaseExpiryMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.fileId`,
                value: reader.uint64Number()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.chunkId`,
                value: reader.string()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.version`,
                value: reader.uint64Number()
              }
              break
            }
            case 17: {
              yield {
                field: `${prefix}.sizeBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 18: {
              if (opts.limits?.replicas != null && obj.replicas === opts.limits.replicas) {
                throw new MaxLengthError('Streaming decode error - repeated field "replicas" had too many elements')
              }

              yield {
                field: `${prefix}.replicas[]`,
                index: obj.replicas,
                value: reader.string()
              }

              obj.replicas++

              break
            }
            case 19: {
              if (opts.limits?.chunkIds != null && obj.chunkIds === opts.limits.chunkIds) {
                throw new MaxLengthError('Streaming decode error - repeated field "chunkIds" had too many elements')
              }

              yield {
                field: `${prefix}.chunkIds[]`,
                index: obj.chunkIds,
                value: reader.string()
              }

              obj.chunkIds++

              break
            }
            case 20: {
              yield {
                field: `${prefix}.job`,
                value: reader.bytes()
              }
              break
            }
            case 21: {
              if (opts.limits?.tasks != null && obj.tasks === opts.limits.tasks) {
                throw new MaxLengthError('Streaming decode error - repeated field "tasks" had too many elements')
              }

              yield {
                field: `${prefix}.tasks[]`,
                index: obj.tasks,
                value: reader.bytes()
              }

              obj.tasks++

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

  export interface NamespaceCommandOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface NamespaceCommandKeyFieldEvent {
    field: '$.key'
    value: string
  }

  export interface NamespaceCommandValueFieldEvent {
    field: '$.value'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NamespaceCommandPathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface NamespaceCommandDstFieldEvent {
    field: '$.dst'
    value: string
  }

  export interface NamespaceCommandParentsFieldEvent {
    field: '$.parents'
    value: boolean
  }

  export interface NamespaceCommandRecursiveFieldEvent {
    field: '$.recursive'
    value: boolean
  }

  export interface NamespaceCommandMtimeMsFieldEvent {
    field: '$.mtimeMs'
    value: number
  }

  export interface NamespaceCommandNowMsFieldEvent {
    field: '$.nowMs'
    value: number
  }

  export interface NamespaceCommandReplicationFieldEvent {
    field: '$.replication'
    value: number
  }

  export interface NamespaceCommandChunkSizeBytesFieldEvent {
    field: '$.chunkSizeBytes'
    value: number
  }

  export interface NamespaceCommandClientIdFieldEvent {
    field: '$.clientId'
    value: string
  }

  export interface NamespaceCommandLeaseExpiryMsFieldEvent {
    field: '$.leaseExpiryMs'
    value: number
  }

  export interface NamespaceCommandFileIdFieldEvent {
    field: '$.fileId'
    value: number
  }

  export interface NamespaceCommandChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface NamespaceCommandVersionFieldEvent {
    field: '$.version'
    value: number
  }

  export interface NamespaceCommandSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface NamespaceCommandReplicasFieldEvent {
    field: '$.replicas[]'
    index: number
    value: string
  }

  export interface NamespaceCommandChunkIdsFieldEvent {
    field: '$.chunkIds[]'
    index: number
    value: string
  }

  export interface NamespaceCommandJobFieldEvent {
    field: '$.job'
    value: Uint8Array<ArrayBuffer>
  }

  export interface NamespaceCommandTasksFieldEvent {
    field: '$.tasks[]'
    index: number
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<NamespaceCommand>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, NamespaceCommand.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NamespaceCommand>): NamespaceCommand {
    return decodeMessage(buf, NamespaceCommand.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<NamespaceCommand>): Generator<NamespaceCommandOpFieldEvent | NamespaceCommandKeyFieldEvent | NamespaceCommandValueFieldEvent | NamespaceCommandPathFieldEvent | NamespaceCommandDstFieldEvent | NamespaceCommandParentsFieldEvent | NamespaceCommandRecursiveFieldEvent | NamespaceCommandMtimeMsFieldEvent | NamespaceCommandNowMsFieldEvent | NamespaceCommandReplicationFieldEvent | NamespaceCommandChunkSizeBytesFieldEvent | NamespaceCommandClientIdFieldEvent | NamespaceCommandLeaseExpiryMsFieldEvent | NamespaceCommandFileIdFieldEvent | NamespaceCommandChunkIdFieldEvent | NamespaceCommandVersionFieldEvent | NamespaceCommandSizeBytesFieldEvent | NamespaceCommandReplicasFieldEvent | NamespaceCommandChunkIdsFieldEvent | NamespaceCommandJobFieldEvent | NamespaceCommandTasksFieldEvent> {
    return streamMessage(buf, NamespaceCommand.codec(), opts)
  }
}
