/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Heartbeat {
  peerId: string
  addresses: string[]
  rack: string
  capacityBytes: bigint
  freeBytes: bigint
  chunkCount: bigint
  loadMilli: number
  roles: string[]
  incarnation: bigint
  sequence: bigint
  cores: number
  leaderTerm: bigint
}

export namespace Heartbeat {
  let _codec: Codec<Heartbeat>

  export const codec = (): Codec<Heartbeat> => {
    if (_codec == null) {
      _codec = message<Heartbeat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(18)
            w.string(value)
          }
        }

        if ((obj.rack != null && obj.rack !== '')) {
          w.uint32(26)
          w.string(obj.rack)
        }

        if ((obj.capacityBytes != null && obj.capacityBytes !== 0n)) {
          w.uint32(32)
          w.uint64(obj.capacityBytes)
        }

        if ((obj.freeBytes != null && obj.freeBytes !== 0n)) {
          w.uint32(40)
          w.uint64(obj.freeBytes)
        }

        if ((obj.chunkCount != null && obj.chunkCount !== 0n)) {
          w.uint32(48)
          w.uint64(obj.chunkCount)
        }

        if ((obj.loadMilli != null && obj.loadMilli !== 0)) {
          w.uint32(56)
          w.uint32(obj.loadMilli)
        }

        if (obj.roles != null && obj.roles.length > 0) {
          for (const value of obj.roles) {
            w.uint32(66)
            w.string(value)
          }
        }

        if ((obj.incarnation != null && obj.incarnation !== 0n)) {
          w.uint32(72)
          w.uint64(obj.incarnation)
        }

        if ((obj.sequence != null && obj.sequence !== 0n)) {
          w.uint32(80)
          w.uint64(obj.sequence)
        }

        if ((obj.cores != null && obj.cores !== 0)) {
          w.uint32(88)
          w.uint32(obj.cores)
        }

        if ((obj.leaderTerm != null && obj.leaderTerm !== 0n)) {
          w.uint32(96)
          w.uint64(obj.leaderTerm)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          addresses: [],
          rack: '',
          capacityBytes: 0n,
          freeBytes: 0n,
          chunkCount: 0n,
          loadMilli: 0,
          roles: [],
          incarnation: 0n,
          sequence: 0n,
          cores: 0,
          leaderTerm: 0n
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
              if (opts.limits?.addresses != null && obj.addresses.length === opts.limits.addresses) {
                throw new MaxLengthError('Decode error - repeated field "addresses" had too many elements')
              }

              obj.addresses.push(reader.string())
              break
            }
            case 3: {
              obj.rack = reader.string()
              break
            }
            case 4: {
              obj.capacityBytes = reader.uint64()
              break
            }
            case 5: {
              obj.freeBytes = reader.uint64()
              break
            }
            case 6: {
              obj.chunkCount = reader.uint64()
              break
            }
            case 7: {
              obj.loadMilli = reader.uint32()
              break
            }
            case 8: {
              if (opts.limits?.roles != null && obj.roles.length === opts.limits.roles) {
                throw new MaxLengthError('Decode error - repeated field "roles" had too many elements')
              }

              obj.roles.push(reader.string())
              break
            }
            case 9: {
              obj.incarnation = reader.uint64()
              break
            }
            case 10: {
              obj.sequence = reader.uint64()
              break
            }
            case 11: {
              obj.cores = reader.uint32()
              break
            }
            case 12: {
              obj.leaderTerm = reader.uint64()
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
          addresses: 0,
          roles: 0
        }

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
            case 3: {
              yield {
                field: `${prefix}.rack`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.capacityBytes`,
                value: reader.uint64()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.freeBytes`,
                value: reader.uint64()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.chunkCount`,
                value: reader.uint64()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.loadMilli`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              if (opts.limits?.roles != null && obj.roles === opts.limits.roles) {
                throw new MaxLengthError('Streaming decode error - repeated field "roles" had too many elements')
              }

              yield {
                field: `${prefix}.roles[]`,
                index: obj.roles,
                value: reader.string()
              }

              obj.roles++

              break
            }
            case 9: {
              yield {
                field: `${prefix}.incarnation`,
                value: reader.uint64()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.sequence`,
                value: reader.uint64()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.cores`,
                value: reader.uint32()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.leaderTerm`,
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

  export interface HeartbeatPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface HeartbeatAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export interface HeartbeatRackFieldEvent {
    field: '$.rack'
    value: string
  }

  export interface HeartbeatCapacityBytesFieldEvent {
    field: '$.capacityBytes'
    value: bigint
  }

  export interface HeartbeatFreeBytesFieldEvent {
    field: '$.freeBytes'
    value: bigint
  }

  export interface HeartbeatChunkCountFieldEvent {
    field: '$.chunkCount'
    value: bigint
  }

  export interface HeartbeatLoadMilliFieldEvent {
    field: '$.loadMilli'
    value: number
  }

  export interface HeartbeatRolesFieldEvent {
    field: '$.roles[]'
    index: number
    value: string
  }

  export interface HeartbeatIncarnationFieldEvent {
    field: '$.incarnation'
    value: bigint
  }

  export interface HeartbeatSequenceFieldEvent {
    field: '$.sequence'
    value: bigint
  }

  export interface HeartbeatCoresFieldEvent {
    field: '$.cores'
    value: number
  }

  export interface HeartbeatLeaderTermFieldEvent {
    field: '$.leaderTerm'
    value: bigint
  }

  export function encode (obj: Partial<Heartbeat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Heartbeat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Heartbeat {
    return decodeMessage(buf, Heartbeat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Generator<HeartbeatPeerIdFieldEvent | HeartbeatAddressesFieldEvent | HeartbeatRackFieldEvent | HeartbeatCapacityBytesFieldEvent | HeartbeatFreeBytesFieldEvent | HeartbeatChunkCountFieldEvent | HeartbeatLoadMilliFieldEvent | HeartbeatRolesFieldEvent | HeartbeatIncarnationFieldEvent | HeartbeatSequenceFieldEvent | HeartbeatCoresFieldEvent | HeartbeatLeaderTermFieldEvent> {
    return streamMessage(buf, Heartbeat.codec(), opts)
  }
}

export interface PeerEntry {
  heartbeat?: Heartbeat
  state: string
  lastSeenAgoMs: bigint
}

export namespace PeerEntry {
  let _codec: Codec<PeerEntry>

  export const codec = (): Codec<PeerEntry> => {
    if (_codec == null) {
      _codec = message<PeerEntry>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.heartbeat != null) {
          w.uint32(10)
          Heartbeat.codec().encode(obj.heartbeat, w)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(18)
          w.string(obj.state)
        }

        if ((obj.lastSeenAgoMs != null && obj.lastSeenAgoMs !== 0n)) {
          w.uint32(24)
          w.uint64(obj.lastSeenAgoMs)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          state: '',
          lastSeenAgoMs: 0n
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.heartbeat = Heartbeat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.heartbeat
              })
              break
            }
            case 2: {
              obj.state = reader.string()
              break
            }
            case 3: {
              obj.lastSeenAgoMs = reader.uint64()
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
              yield * Heartbeat.codec().stream(reader, reader.uint32(), `${prefix}.heartbeat`, {
                limits: opts.limits?.heartbeat
              })

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
                field: `${prefix}.lastSeenAgoMs`,
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

  export interface PeerEntryHeartbeatPeerIdFieldEvent {
    field: '$.heartbeat.peerId'
    value: string
  }

  export interface PeerEntryHeartbeatAddressesFieldEvent {
    field: '$.heartbeat.addresses[]'
    index: number
    value: string
  }

  export interface PeerEntryHeartbeatRackFieldEvent {
    field: '$.heartbeat.rack'
    value: string
  }

  export interface PeerEntryHeartbeatCapacityBytesFieldEvent {
    field: '$.heartbeat.capacityBytes'
    value: bigint
  }

  export interface PeerEntryHeartbeatFreeBytesFieldEvent {
    field: '$.heartbeat.freeBytes'
    value: bigint
  }

  export interface PeerEntryHeartbeatChunkCountFieldEvent {
    field: '$.heartbeat.chunkCount'
    value: bigint
  }

  export interface PeerEntryHeartbeatLoadMilliFieldEvent {
    field: '$.heartbeat.loadMilli'
    value: number
  }

  export interface PeerEntryHeartbeatRolesFieldEvent {
    field: '$.heartbeat.roles[]'
    index: number
    value: string
  }

  export interface PeerEntryHeartbeatIncarnationFieldEvent {
    field: '$.heartbeat.incarnation'
    value: bigint
  }

  export interface PeerEntryHeartbeatSequenceFieldEvent {
    field: '$.heartbeat.sequence'
    value: bigint
  }

  export interface PeerEntryHeartbeatCoresFieldEvent {
    field: '$.heartbeat.cores'
    value: number
  }

  export interface PeerEntryHeartbeatLeaderTermFieldEvent {
    field: '$.heartbeat.leaderTerm'
    value: bigint
  }

  export interface PeerEntryStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface PeerEntryLastSeenAgoMsFieldEvent {
    field: '$.lastSeenAgoMs'
    value: bigint
  }

  export function encode (obj: Partial<PeerEntry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerEntry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerEntry>): PeerEntry {
    return decodeMessage(buf, PeerEntry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerEntry>): Generator<PeerEntryHeartbeatPeerIdFieldEvent | PeerEntryHeartbeatAddressesFieldEvent | PeerEntryHeartbeatRackFieldEvent | PeerEntryHeartbeatCapacityBytesFieldEvent | PeerEntryHeartbeatFreeBytesFieldEvent | PeerEntryHeartbeatChunkCountFieldEvent | PeerEntryHeartbeatLoadMilliFieldEvent | PeerEntryHeartbeatRolesFieldEvent | PeerEntryHeartbeatIncarnationFieldEvent | PeerEntryHeartbeatSequenceFieldEvent | PeerEntryHeartbeatCoresFieldEvent | PeerEntryHeartbeatLeaderTermFieldEvent | PeerEntryStateFieldEvent | PeerEntryLastSeenAgoMsFieldEvent> {
    return streamMessage(buf, PeerEntry.codec(), opts)
  }
}

export interface PeersRequest {}

export namespace PeersRequest {
  let _codec: Codec<PeersRequest>

  export const codec = (): Codec<PeersRequest> => {
    if (_codec == null) {
      _codec = message<PeersRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export function encode (obj: Partial<PeersRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeersRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersRequest>): PeersRequest {
    return decodeMessage(buf, PeersRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersRequest>): Generator<{}> {
    return streamMessage(buf, PeersRequest.codec(), opts)
  }
}

export interface PeersResponse {
  peers: PeerEntry[]
}

export namespace PeersResponse {
  let _codec: Codec<PeersResponse>

  export const codec = (): Codec<PeersResponse> => {
    if (_codec == null) {
      _codec = message<PeersResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.peers != null && obj.peers.length > 0) {
          for (const value of obj.peers) {
            w.uint32(10)
            PeerEntry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peers: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.peers != null && obj.peers.length === opts.limits.peers) {
                throw new MaxLengthError('Decode error - repeated field "peers" had too many elements')
              }

              obj.peers.push(PeerEntry.codec().decode(reader, reader.uint32(), {
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
              if (opts.limits?.peers != null && obj.peers === opts.limits.peers) {
                throw new MaxLengthError('Streaming decode error - repeated field "peers" had too many elements')
              }

              for (const evt of PeerEntry.codec().stream(reader, reader.uint32(), `${prefix}.peers[]`, {
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

  export interface PeersResponsePeersHeartbeatPeerIdFieldEvent {
    field: '$.peers[].heartbeat.peerId'
    value: string
    index: number
  }

  export interface PeersResponsePeersHeartbeatAddressesFieldEvent {
    field: '$.peers[].heartbeat.addresses[]'
    index: number
    value: string
  }

  export interface PeersResponsePeersHeartbeatRackFieldEvent {
    field: '$.peers[].heartbeat.rack'
    value: string
    index: number
  }

  export interface PeersResponsePeersHeartbeatCapacityBytesFieldEvent {
    field: '$.peers[].heartbeat.capacityBytes'
    value: bigint
    index: number
  }

  export interface PeersResponsePeersHeartbeatFreeBytesFieldEvent {
    field: '$.peers[].heartbeat.freeBytes'
    value: bigint
    index: number
  }

  export interface PeersResponsePeersHeartbeatChunkCountFieldEvent {
    field: '$.peers[].heartbeat.chunkCount'
    value: bigint
    index: number
  }

  export interface PeersResponsePeersHeartbeatLoadMilliFieldEvent {
    field: '$.peers[].heartbeat.loadMilli'
    value: number
    index: number
  }

  export interface PeersResponsePeersHeartbeatRolesFieldEvent {
    field: '$.peers[].heartbeat.roles[]'
    index: number
    value: string
  }

  export interface PeersResponsePeersHeartbeatIncarnationFieldEvent {
    field: '$.peers[].heartbeat.incarnation'
    value: bigint
    index: number
  }

  export interface PeersResponsePeersHeartbeatSequenceFieldEvent {
    field: '$.peers[].heartbeat.sequence'
    value: bigint
    index: number
  }

  export interface PeersResponsePeersHeartbeatCoresFieldEvent {
    field: '$.peers[].heartbeat.cores'
    value: number
    index: number
  }

  export interface PeersResponsePeersHeartbeatLeaderTermFieldEvent {
    field: '$.peers[].heartbeat.leaderTerm'
    value: bigint
    index: number
  }

  export interface PeersResponsePeersStateFieldEvent {
    field: '$.peers[].state'
    value: string
    index: number
  }

  export interface PeersResponsePeersLastSeenAgoMsFieldEvent {
    field: '$.peers[].lastSeenAgoMs'
    value: bigint
    index: number
  }

  export function encode (obj: Partial<PeersResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeersResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersResponse>): PeersResponse {
    return decodeMessage(buf, PeersResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeersResponse>): Generator<PeersResponsePeersHeartbeatPeerIdFieldEvent | PeersResponsePeersHeartbeatAddressesFieldEvent | PeersResponsePeersHeartbeatRackFieldEvent | PeersResponsePeersHeartbeatCapacityBytesFieldEvent | PeersResponsePeersHeartbeatFreeBytesFieldEvent | PeersResponsePeersHeartbeatChunkCountFieldEvent | PeersResponsePeersHeartbeatLoadMilliFieldEvent | PeersResponsePeersHeartbeatRolesFieldEvent | PeersResponsePeersHeartbeatIncarnationFieldEvent | PeersResponsePeersHeartbeatSequenceFieldEvent | PeersResponsePeersHeartbeatCoresFieldEvent | PeersResponsePeersHeartbeatLeaderTermFieldEvent | PeersResponsePeersStateFieldEvent | PeersResponsePeersLastSeenAgoMsFieldEvent> {
    return streamMessage(buf, PeersResponse.codec(), opts)
  }
}
