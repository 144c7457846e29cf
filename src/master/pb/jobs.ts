import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface JobSpec {
  inputs: string[]
  output: string
  reducers: number
  bundlePath: string
  moduleName: string
  inputFormat: string
}

export namespace JobSpec {
  let _codec: Codec<JobSpec>

  export const codec = (): Codec<JobSpec> => {
    if (_codec == null) {
      _codec = message<JobSpec>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.inputs != null && obj.inputs.length > 0) {
          for (const value of obj.inputs) {
            w.uint32(10)
            w.string(value)
          }
        }

        if ((obj.output != null && obj.output !== '')) {
          w.uint32(18)
          w.string(obj.output)
        }

        if ((obj.reducers != null && obj.reducers !== 0)) {
          w.uint32(24)
          w.uint32(obj.reducers)
        }

        if ((obj.bundlePath != null && obj.bundlePath !== '')) {
          w.uint32(34)
          w.string(obj.bundlePath)
        }

        if ((obj.moduleName != null && obj.moduleName !== '')) {
          w.uint32(42)
          w.string(obj.moduleName)
        }

        if ((obj.inputFormat != null && obj.inputFormat !== '')) {
          w.uint32(50)
          w.string(obj.inputFormat)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          inputs: [],
          output: '',
          reducers: 0,
          bundlePath: '',
          moduleName: '',
          inputFormat: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.inputs != null && obj.inputs.length === opts.limits.inputs) {
                throw new MaxLengthError('Decode error - repeated field "inputs" had too many elements')
              }

              obj.inputs.push(reader.string())
              break
            }
            case 2: {
              obj.output = reader.string()
              break
            }
            case 3: {
              obj.reducers = reader.uint32()
              break
            }
            case 4: {
              obj.bundlePath = reader.string()
              break
            }
            case 5: {
              obj.moduleName = reader.string()
              break
            }
            case 6: {
              obj.inputFormat = reader.string()
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
          inputs: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.inputs != null && obj.inputs === opts.limits.inputs) {
                throw new MaxLengthError('Streaming decode error - repeated field "inputs" had too many elements')
              }

              yield {
                field: `${prefix}.inputs[]`,
                index: obj.inputs,
                value: reader.string()
              }

              obj.inputs++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.output`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.reducers`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.bundlePath`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.moduleName`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.inputFormat`,
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

  export interface JobSpecInputsFieldEvent {
    field: '$.inputs[]'
    index: number
    value: string
  }

  export interface JobSpecOutputFieldEvent {
    field: '$.output'
    value: string
  }

  export interface JobSpecReducersFieldEvent {
    field: '$.reducers'
    value: number
  }

  export interface JobSpecBundlePathFieldEvent {
    field: '$.bundlePath'
    value: string
  }

  export interface JobSpecModuleNameFieldEvent {
    field: '$.moduleName'
    value: string
  }

  export interface JobSpecInputFormatFieldEvent {
    field: '$.inputFormat'
    value: string
  }

  export function encode (obj: Partial<JobSpec>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JobSpec.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobSpec>): JobSpec {
    return decodeMessage(buf, JobSpec.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobSpec>): Generator<JobSpecInputsFieldEvent | JobSpecOutputFieldEvent | JobSpecReducersFieldEvent | JobSpecBundlePathFieldEvent | JobSpecModuleNameFieldEvent | JobSpecInputFormatFieldEvent> {
    return streamMessage(buf, JobSpec.codec(), opts)
  }
}

export interface JobCounters {
  mapTasks: number
  nodeLocalMaps: number
  rackLocalMaps: number
  remoteMaps: number
  mapInputRecords: number
  mapInputBytes: number
  mapOutputRecords: number
  reduceTasks: number
  reduceInputGroups: number
  reduceInputRecords: number
  reduceOutputRecords: number
  shuffleBytes: number
  failedTaskAttempts: number
  backupTasks: number
  rerunMaps: number
  lostTaskAttempts: number
}

export namespace JobCounters {
  let _codec: Codec<JobCounters>

  export const codec = (): Codec<JobCounters> => {
    if (_codec == null) {
      _codec = message<JobCounters>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.mapTasks != null && obj.mapTasks !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.mapTasks)
        }

        if ((obj.nodeLocalMaps != null && obj.nodeLocalMaps !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.nodeLocalMaps)
        }

        if ((obj.rackLocalMaps != null && obj.rackLocalMaps !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.rackLocalMaps)
        }

        if ((obj.remoteMaps != null && obj.remoteMaps !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.remoteMaps)
        }

        if ((obj.mapInputRecords != null && obj.mapInputRecords !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.mapInputRecords)
        }

        if ((obj.mapInputBytes != null && obj.mapInputBytes !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.mapInputBytes)
        }

        if ((obj.mapOutputRecords != null && obj.mapOutputRecords !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.mapOutputRecords)
        }

        if ((obj.reduceTasks != null && obj.reduceTasks !== 0)) {
          w.uint32(64)
          w.uint64Number(obj.reduceTasks)
        }

        if ((obj.reduceInputGroups != null && obj.reduceInputGroups !== 0)) {
          w.uint32(72)
          w.uint64Number(obj.reduceInputGroups)
        }

        if ((obj.reduceInputRecords != null && obj.reduceInputRecords !== 0)) {
          w.uint32(80)
          w.uint64Number(obj.reduceInputRecords)
        }

        if ((obj.reduceOutputRecords != null && obj.reduceOutputRecords !== 0)) {
          w.uint32(88)
          w.uint64Number(obj.reduceOutputRecords)
        }

        if ((obj.shuffleBytes != null && obj.shuffleBytes !== 0)) {
          w.uint32(96)
          w.uint64Number(obj.shuffleBytes)
        }

        if ((obj.failedTaskAttempts != null && obj.failedTaskAttempts !== 0)) {
          w.uint32(104)
          w.uint64Number(obj.failedTaskAttempts)
        }

        if ((obj.backupTasks != null && obj.backupTasks !== 0)) {
          w.uint32(112)
          w.uint64Number(obj.backupTasks)
        }

        if ((obj.rerunMaps != null && obj.rerunMaps !== 0)) {
          w.uint32(120)
          w.uint64Number(obj.rerunMaps)
        }

        if ((obj.lostTaskAttempts != null && obj.lostTaskAttempts !== 0)) {
          w.uint32(128)
          w.uint64Number(obj.lostTaskAttempts)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          mapTasks: 0,
          nodeLocalMaps: 0,
          rackLocalMaps: 0,
          remoteMaps: 0,
          mapInputRecords: 0,
          mapInputBytes: 0,
          mapOutputRecords: 0,
          reduceTasks: 0,
          reduceInputGroups: 0,
          reduceInputRecords: 0,
          reduceOutputRecords: 0,
          shuffleBytes: 0,
          failedTaskAttempts: 0,
          backupTasks: 0,
          rerunMaps: 0,
          lostTaskAttempts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.mapTasks = reader.uint64Number()
              break
            }
            case 2: {
              obj.nodeLocalMaps = reader.uint64Number()
              break
            }
            case 3: {
              obj.rackLocalMaps = reader.uint64Number()
              break
            }
            case 4: {
              obj.remoteMaps = reader.uint64Number()
              break
            }
            case 5: {
              obj.mapInputRecords = reader.uint64Number()
              break
            }
            case 6: {
              obj.mapInputBytes = reader.uint64Number()
              break
            }
            case 7: {
              obj.mapOutputRecords = reader.uint64Number()
              break
            }
            case 8: {
              obj.reduceTasks = reader.uint64Number()
              break
            }
            case 9: {
              obj.reduceInputGroups = reader.uint64Number()
              break
            }
            case 10: {
              obj.reduceInputRecords = reader.uint64Number()
              break
            }
            case 11: {
              obj.reduceOutputRecords = reader.uint64Number()
              break
            }
            case 12: {
              obj.shuffleBytes = reader.uint64Number()
              break
            }
            case 13: {
              obj.failedTaskAttempts = reader.uint64Number()
              break
            }
            case 14: {
              obj.backupTasks = reader.uint64Number()
              break
            }
            case 15: {
              obj.rerunMaps = reader.uint64Number()
              break
            }
            case 16: {
              obj.lostTaskAttempts = reader.uint64Number()
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
                field: `${prefix}.mapTasks`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.nodeLocalMaps`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.rackLocalMaps`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.remoteMaps`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.mapInputRecords`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.mapInputBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.mapOutputRecords`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.reduceTasks`,
                value: reader.uint64Number()
              }
              break
            }
            case 9: {
              yield {
                field: `${prefix}.reduceInputGroups`,
                value: reader.uint64Number()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.reduceInputRecords`,
                value: reader.uint64Number()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.reduceOutputRecords`,
                value: reader.uint64Number()
              }
              break
            }
            case 12: {
              yield {
                field: `${prefix}.shuffleBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 13: {
              yield {
                field: `${prefix}.failedTaskAttempts`,
                value: reader.uint64Number()
              }
              break
            }
            case 14: {
              yield {
                field: `${prefix}.backupTasks`,
                value: reader.uint64Number()
              }
              break
            }
            case 15: {
              yield {
                field: `${prefix}.rerunMaps`,
                value: reader.uint64Number()
              }
              break
            }
            case 16: {
              yield {
                field: `${prefix}.lostTaskAttempts`,
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

  export interface JobCountersMapTasksFieldEvent {
    field: '$.mapTasks'
    value: number
  }

  export interface JobCountersNodeLocalMapsFieldEvent {
    field: '$.nodeLocalMaps'
    value: number
  }

  export interface JobCountersRackLocalMapsFieldEvent {
    field: '$.rackLocalMaps'
    value: number
  }

  export interface JobCountersRemoteMapsFieldEvent {
    field: '$.remoteMaps'
    value: number
  }

  export interface JobCountersMapInputRecordsFieldEvent {
    field: '$.mapInputRecords'
    value: number
  }

  export interface JobCountersMapInputBytesFieldEvent {
    field: '$.mapInputBytes'
    value: number
  }

  export interface JobCountersMapOutputRecordsFieldEvent {
    field: '$.mapOutputRecords'
    value: number
  }

  export interface JobCountersReduceTasksFieldEvent {
    field: '$.reduceTasks'
    value: number
  }

  export interface JobCountersReduceInputGroupsFieldEvent {
    field: '$.reduceInputGroups'
    value: number
  }

  export interface JobCountersReduceInputRecordsFieldEvent {
    field: '$.reduceInputRecords'
    value: number
  }

  export interface JobCountersReduceOutputRecordsFieldEvent {
    field: '$.reduceOutputRecords'
    value: number
  }

  export interface JobCountersShuffleBytesFieldEvent {
    field: '$.shuffleBytes'
    value: number
  }

  export interface JobCountersFailedTaskAttemptsFieldEvent {
    field: '$.failedTaskAttempts'
    value: number
  }

  export interface JobCountersBackupTasksFieldEvent {
    field: '$.backupTasks'
    value: number
  }

  export interface JobCountersRerunMapsFieldEvent {
    field: '$.rerunMaps'
    value: number
  }

  export interface JobCountersLostTaskAttemptsFieldEvent {
    field: '$.lostTaskAttempts'
    value: number
  }

  export function encode (obj: Partial<JobCounters>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JobCounters.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobCounters>): JobCounters {
    return decodeMessage(buf, JobCounters.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobCounters>): Generator<JobCountersMapTasksFieldEvent | JobCountersNodeLocalMapsFieldEvent | JobCountersRackLocalMapsFieldEvent | JobCountersRemoteMapsFieldEvent | JobCountersMapInputRecordsFieldEvent | JobCountersMapInputBytesFieldEvent | JobCountersMapOutputRecordsFieldEvent | JobCountersReduceTasksFieldEvent | JobCountersReduceInputGroupsFieldEvent | JobCountersReduceInputRecordsFieldEvent | JobCountersReduceOutputRecordsFieldEvent | JobCountersShuffleBytesFieldEvent | JobCountersFailedTaskAttemptsFieldEvent | JobCountersBackupTasksFieldEvent | JobCountersRerunMapsFieldEvent | JobCountersLostTaskAttemptsFieldEvent> {
    return streamMessage(buf, JobCounters.codec(), opts)
  }
}

export interface JobRecord {
  id: string
  spec?: JobSpec
  state: string
  error: string
  failedTask: string
  submittedAtMs: number
  finishedAtMs: number
  counters?: JobCounters
  mapTasks: number
  mapsDone: number
  reducesDone: number
}

export namespace JobRecord {
  let _codec: Codec<JobRecord>

  export const codec = (): Codec<JobRecord> => {
    if (_codec == null) {
      _codec = message<JobRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.id != null && obj.id !== '')) {
          w.uint32(10)
          w.string(obj.id)
        }

        if (obj.spec != null) {
          w.uint32(18)
          JobSpec.codec().encode(obj.spec, w)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(26)
          w.string(obj.state)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(34)
          w.string(obj.error)
        }

        if ((obj.failedTask != null && obj.failedTask !== '')) {
          w.uint32(42)
          w.string(obj.failedTask)
        }

        if ((obj.submittedAtMs != null && obj.submittedAtMs !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.submittedAtMs)
        }

        if ((obj.finishedAtMs != null && obj.finishedAtMs !== 0)) {
          w.uint32(56)
          w.uint64Number(obj.finishedAtMs)
        }

        if (obj.counters != null) {
          w.uint32(66)
          JobCounters.codec().encode(obj.counters, w)
        }

        if ((obj.mapTasks != null && obj.mapTasks !== 0)) {
          w.uint32(72)
          w.uint32(obj.mapTasks)
        }

        if ((obj.mapsDone != null && obj.mapsDone !== 0)) {
          w.uint32(80)
          w.uint32(obj.mapsDone)
        }

        if ((obj.reducesDone != null && obj.reducesDone !== 0)) {
          w.uint32(88)
          w.uint32(obj.reducesDone)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          id: '',
          state: '',
          error: '',
          failedTask: '',
          submittedAtMs: 0,
          finishedAtMs: 0,
          mapTasks: 0,
          mapsDone: 0,
          reducesDone: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.id = reader.string()
              break
            }
            case 2: {
              obj.spec = JobSpec.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.spec
              })
              break
            }
            case 3: {
              obj.state = reader.string()
              break
            }
            case 4: {
              obj.error = reader.string()
              break
            }
            case 5: {
              obj.failedTask = reader.string()
              break
            }
            case 6: {
              obj.submittedAtMs = reader.uint64Number()
              break
            }
            case 7: {
              obj.finishedAtMs = reader.uint64Number()
              break
            }
            case 8: {
              obj.counters = JobCounters.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.counters
              })
              break
            }
            case 9: {
              obj.mapTasks = reader.uint32()
              break
            }
            case 10: {
              obj.mapsDone = reader.uint32()
              break
            }
            case 11: {
              obj.reducesDone = reader.uint32()
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
                field: `${prefix}.id`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield * JobSpec.codec().stream(reader, reader.uint32(), `${prefix}.spec`, {
                limits: opts.limits?.spec
              })

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
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.failedTask`,
                value: reader.string()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.submittedAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.finishedAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 8: {
              yield * JobCounters.codec().stream(reader, reader.uint32(), `${prefix}.counters`, {
                limits: opts.limits?.counters
              })

              break
            }
            case 9: {
              yield {
                field: `${prefix}.mapTasks`,
                value: reader.uint32()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.mapsDone`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.reducesDone`,
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

  export interface JobRecordIdFieldEvent {
    field: '$.id'
    value: string
  }

  export interface JobRecordSpecInputsFieldEvent {
    field: '$.spec.inputs[]'
    index: number
    value: string
  }

  export interface JobRecordSpecOutputFieldEvent {
    field: '$.spec.output'
    value: string
  }

  export interface JobRecordSpecReducersFieldEvent {
    field: '$.spec.reducers'
    value: number
  }

  export interface JobRecordSpecBundlePathFieldEvent {
    field: '$.spec.bundlePath'
    value: string
  }

  export interface JobRecordSpecModuleNameFieldEvent {
    field: '$.spec.moduleName'
    value: string
  }

  export interface JobRecordSpecInputFormatFieldEvent {
    field: '$.spec.inputFormat'
    value: string
  }

  export interface JobRecordStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface JobRecordErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface JobRecordFailedTaskFieldEvent {
    field: '$.failedTask'
    value: string
  }

  export interface JobRecordSubmittedAtMsFieldEvent {
    field: '$.submittedAtMs'
    value: number
  }

  export interface JobRecordFinishedAtMsFieldEvent {
    field: '$.finishedAtMs'
    value: number
  }

  export interface JobRecordCountersMapTasksFieldEvent {
    field: '$.counters.mapTasks'
    value: number
  }

  export interface JobRecordCountersNodeLocalMapsFieldEvent {
    field: '$.counters.nodeLocalMaps'
    value: number
  }

  export interface JobRecordCountersRackLocalMapsFieldEvent {
    field: '$.counters.rackLocalMaps'
    value: number
  }

  export interface JobRecordCountersRemoteMapsFieldEvent {
    field: '$.counters.remoteMaps'
    value: number
  }

  export interface JobRecordCountersMapInputRecordsFieldEvent {
    field: '$.counters.mapInputRecords'
    value: number
  }

  export interface JobRecordCountersMapInputBytesFieldEvent {
    field: '$.counters.mapInputBytes'
    value: number
  }

  export interface JobRecordCountersMapOutputRecordsFieldEvent {
    field: '$.counters.mapOutputRecords'
    value: number
  }

  export interface JobRecordCountersReduceTasksFieldEvent {
    field: '$.counters.reduceTasks'
    value: number
  }

  export interface JobRecordCountersReduceInputGroupsFieldEvent {
    field: '$.counters.reduceInputGroups'
    value: number
  }

  export interface JobRecordCountersReduceInputRecordsFieldEvent {
    field: '$.counters.reduceInputRecords'
    value: number
  }

  export interface JobRecordCountersReduceOutputRecordsFieldEvent {
    field: '$.counters.reduceOutputRecords'
    value: number
  }

  export interface JobRecordCountersShuffleBytesFieldEvent {
    field: '$.counters.shuffleBytes'
    value: number
  }

  export interface JobRecordCountersFailedTaskAttemptsFieldEvent {
    field: '$.counters.failedTaskAttempts'
    value: number
  }

  export interface JobRecordCountersBackupTasksFieldEvent {
    field: '$.counters.backupTasks'
    value: number
  }

  export interface JobRecordCountersRerunMapsFieldEvent {
    field: '$.counters.rerunMaps'
    value: number
  }

  export interface JobRecordCountersLostTaskAttemptsFieldEvent {
    field: '$.counters.lostTaskAttempts'
    value: number
  }

  export interface JobRecordMapTasksFieldEvent {
    field: '$.mapTasks'
    value: number
  }

  export interface JobRecordMapsDoneFieldEvent {
    field: '$.mapsDone'
    value: number
  }

  export interface JobRecordReducesDoneFieldEvent {
    field: '$.reducesDone'
    value: number
  }

  export function encode (obj: Partial<JobRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JobRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobRecord>): JobRecord {
    return decodeMessage(buf, JobRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobRecord>): Generator<JobRecordIdFieldEvent | JobRecordSpecInputsFieldEvent | JobRecordSpecOutputFieldEvent | JobRecordSpecReducersFieldEvent | JobRecordSpecBundlePathFieldEvent | JobRecordSpecModuleNameFieldEvent | JobRecordSpecInputFormatFieldEvent | JobRecordStateFieldEvent | JobRecordErrorFieldEvent | JobRecordFailedTaskFieldEvent | JobRecordSubmittedAtMsFieldEvent | JobRecordFinishedAtMsFieldEvent | JobRecordCountersMapTasksFieldEvent | JobRecordCountersNodeLocalMapsFieldEvent | JobRecordCountersRackLocalMapsFieldEvent | JobRecordCountersRemoteMapsFieldEvent | JobRecordCountersMapInputRecordsFieldEvent | JobRecordCountersMapInputBytesFieldEvent | JobRecordCountersMapOutputRecordsFieldEvent | JobRecordCountersReduceTasksFieldEvent | JobRecordCountersReduceInputGroupsFieldEvent | JobRecordCountersReduceInputRecordsFieldEvent | JobRecordCountersReduceOutputRecordsFieldEvent | JobRecordCountersShuffleBytesFieldEvent | JobRecordCountersFailedTaskAttemptsFieldEvent | JobRecordCountersBackupTasksFieldEvent | JobRecordCountersRerunMapsFieldEvent | JobRecordCountersLostTaskAttemptsFieldEvent | JobRecordMapTasksFieldEvent | JobRecordMapsDoneFieldEvent | JobRecordReducesDoneFieldEvent> {
    return streamMessage(buf, JobRecord.codec(), opts)
  }
}

export interface MapSplit {
  path: string
  startBytes: number
  endBytes: number
  chunkId: string
  chunkIndex: number
}

export namespace MapSplit {
  let _codec: Codec<MapSplit>

  export const codec = (): Codec<MapSplit> => {
    if (_codec == null) {
      _codec = message<MapSplit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.path != null && obj.path !== '')) {
          w.uint32(10)
          w.string(obj.path)
        }

        if ((obj.startBytes != null && obj.startBytes !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.startBytes)
        }

        if ((obj.endBytes != null && obj.endBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.endBytes)
        }

        if ((obj.chunkId != null && obj.chunkId !== '')) {
          w.uint32(34)
          w.string(obj.chunkId)
        }

        if ((obj.chunkIndex != null && obj.chunkIndex !== 0)) {
          w.uint32(40)
          w.uint32(obj.chunkIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          path: '',
          startBytes: 0,
          endBytes: 0,
          chunkId: '',
          chunkIndex: 0
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
              obj.startBytes = reader.uint64Number()
              break
            }
            case 3: {
              obj.endBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.chunkId = reader.string()
              break
            }
            case 5: {
              obj.chunkIndex = reader.uint32()
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
                field: `${prefix}.startBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.endBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.chunkId`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.chunkIndex`,
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

  export interface MapSplitPathFieldEvent {
    field: '$.path'
    value: string
  }

  export interface MapSplitStartBytesFieldEvent {
    field: '$.startBytes'
    value: number
  }

  export interface MapSplitEndBytesFieldEvent {
    field: '$.endBytes'
    value: number
  }

  export interface MapSplitChunkIdFieldEvent {
    field: '$.chunkId'
    value: string
  }

  export interface MapSplitChunkIndexFieldEvent {
    field: '$.chunkIndex'
    value: number
  }

  export function encode (obj: Partial<MapSplit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MapSplit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MapSplit>): MapSplit {
    return decodeMessage(buf, MapSplit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MapSplit>): Generator<MapSplitPathFieldEvent | MapSplitStartBytesFieldEvent | MapSplitEndBytesFieldEvent | MapSplitChunkIdFieldEvent | MapSplitChunkIndexFieldEvent> {
    return streamMessage(buf, MapSplit.codec(), opts)
  }
}

export interface TaskAttempt {
  attempt: number
  peer: string
  locality: string
  startedAtMs: number
  backup: boolean
}

export namespace TaskAttempt {
  let _codec: Codec<TaskAttempt>

  export const codec = (): Codec<TaskAttempt> => {
    if (_codec == null) {
      _codec = message<TaskAttempt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.attempt != null && obj.attempt !== 0)) {
          w.uint32(8)
          w.uint32(obj.attempt)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(18)
          w.string(obj.peer)
        }

        if ((obj.locality != null && obj.locality !== '')) {
          w.uint32(26)
          w.string(obj.locality)
        }

        if ((obj.startedAtMs != null && obj.startedAtMs !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.startedAtMs)
        }

        if ((obj.backup != null && obj.backup !== false)) {
          w.uint32(40)
          w.bool(obj.backup)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          attempt: 0,
          peer: '',
          locality: '',
          startedAtMs: 0,
          backup: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.attempt = reader.uint32()
              break
            }
            case 2: {
              obj.peer = reader.string()
              break
            }
            case 3: {
              obj.locality = reader.string()
              break
            }
            case 4: {
              obj.startedAtMs = reader.uint64Number()
              break
            }
            case 5: {
              obj.backup = reader.bool()
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
                field: `${prefix}.attempt`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.locality`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.startedAtMs`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.backup`,
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

  export interface TaskAttemptAttemptFieldEvent {
    field: '$.attempt'
    value: number
  }

  export interface TaskAttemptPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface TaskAttemptLocalityFieldEvent {
    field: '$.locality'
    value: string
  }

  export interface TaskAttemptStartedAtMsFieldEvent {
    field: '$.startedAtMs'
    value: number
  }

  export interface TaskAttemptBackupFieldEvent {
    field: '$.backup'
    value: boolean
  }

  export function encode (obj: Partial<TaskAttempt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskAttempt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskAttempt>): TaskAttempt {
    return decodeMessage(buf, TaskAttempt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskAttempt>): Generator<TaskAttemptAttemptFieldEvent | TaskAttemptPeerFieldEvent | TaskAttemptLocalityFieldEvent | TaskAttemptStartedAtMsFieldEvent | TaskAttemptBackupFieldEvent> {
    return streamMessage(buf, TaskAttempt.codec(), opts)
  }
}

export interface TaskResult {
  partitionBytes: number[]
  inputRecords: number
  inputBytes: number
  outputRecords: number
  shuffleBytes: number
  inputGroups: number
}

export namespace TaskResult {
  let _codec: Codec<TaskResult>

  export const codec = (): Codec<TaskResult> => {
    if (_codec == null) {
      _codec = message<TaskResult>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.partitionBytes != null && obj.partitionBytes.length > 0) {
          for (const value of obj.partitionBytes) {
            w.uint32(8)
            w.uint64Number(value)
          }
        }

        if ((obj.inputRecords != null && obj.inputRecords !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.inputRecords)
        }

        if ((obj.inputBytes != null && obj.inputBytes !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.inputBytes)
        }

        if ((obj.outputRecords != null && obj.outputRecords !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.outputRecords)
        }

        if ((obj.shuffleBytes != null && obj.shuffleBytes !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.shuffleBytes)
        }

        if ((obj.inputGroups != null && obj.inputGroups !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.inputGroups)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          partitionBytes: [],
          inputRecords: 0,
          inputBytes: 0,
          outputRecords: 0,
          shuffleBytes: 0,
          inputGroups: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.partitionBytes != null && obj.partitionBytes.length === opts.limits.partitionBytes) {
                throw new MaxLengthError('Decode error - repeated field "partitionBytes" had too many elements')
              }

              obj.partitionBytes.push(reader.uint64Number())
              break
            }
            case 2: {
              obj.inputRecords = reader.uint64Number()
              break
            }
            case 3: {
              obj.inputBytes = reader.uint64Number()
              break
            }
            case 4: {
              obj.outputRecords = reader.uint64Number()
              break
            }
            case 5: {
              obj.shuffleBytes = reader.uint64Number()
              break
            }
            case 6: {
              obj.inputGroups = reader.uint64Number()
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
          partitionBytes: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.partitionBytes != null && obj.partitionBytes === opts.limits.partitionBytes) {
                throw new MaxLengthError('Streaming decode error - repeated field "partitionBytes" had too many elements')
              }

              yield {
                field: `${prefix}.partitionBytes[]`,
                index: obj.partitionBytes,
                value: reader.uint64Number()
              }

              obj.partitionBytes++

              break
            }
            case 2: {
              yield {
                field: `${prefix}.inputRecords`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.inputBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.outputRecords`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.shuffleBytes`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.inputGroups`,
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

  export interface TaskResultPartitionBytesFieldEvent {
    field: '$.partitionBytes[]'
    index: number
    value: number
  }

  export interface TaskResultInputRecordsFieldEvent {
    field: '$.inputRecords'
    value: number
  }

  export interface TaskResultInputBytesFieldEvent {
    field: '$.inputBytes'
    value: number
  }

  export interface TaskResultOutputRecordsFieldEvent {
    field: '$.outputRecords'
    value: number
  }

  export interface TaskResultShuffleBytesFieldEvent {
    field: '$.shuffleBytes'
    value: number
  }

  export interface TaskResultInputGroupsFieldEvent {
    field: '$.inputGroups'
    value: number
  }

  export function encode (obj: Partial<TaskResult>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskResult.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskResult>): TaskResult {
    return decodeMessage(buf, TaskResult.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskResult>): Generator<TaskResultPartitionBytesFieldEvent | TaskResultInputRecordsFieldEvent | TaskResultInputBytesFieldEvent | TaskResultOutputRecordsFieldEvent | TaskResultShuffleBytesFieldEvent | TaskResultInputGroupsFieldEvent> {
    return streamMessage(buf, TaskResult.codec(), opts)
  }
}

export interface TaskRecord {
  kind: string
  index: number
  state: string
  attempts: number
  failures: number
  running: TaskAttempt[]
  done?: TaskAttempt
  split?: MapSplit
  lastError: string
  result?: TaskResult
}

export namespace TaskRecord {
  let _codec: Codec<TaskRecord>

  export const codec = (): Codec<TaskRecord> => {
    if (_codec == null) {
      _codec = message<TaskRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(10)
          w.string(obj.kind)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(16)
          w.uint32(obj.index)
        }

        if ((obj.state != null && obj.state !== '')) {
          w.uint32(26)
          w.string(obj.state)
        }

        if ((obj.attempts != null && obj.attempts !== 0)) {
          w.uint32(32)
          w.uint32(obj.attempts)
        }

        if ((obj.failures != null && obj.failures !== 0)) {
          w.uint32(40)
          w.uint32(obj.failures)
        }

        if (obj.running != null && obj.running.length > 0) {
          for (const value of obj.running) {
            w.uint32(50)
            TaskAttempt.codec().encode(value, w)
          }
        }

        if (obj.done != null) {
          w.uint32(58)
          TaskAttempt.codec().encode(obj.done, w)
        }

        if (obj.split != null) {
          w.uint32(66)
          MapSplit.codec().encode(obj.split, w)
        }

        if ((obj.lastError != null && obj.lastError !== '')) {
          w.uint32(74)
          w.string(obj.lastError)
        }

        if (obj.result != null) {
          w.uint32(82)
          TaskResult.codec().encode(obj.result, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          kind: '',
          index: 0,
          state: '',
          attempts: 0,
          failures: 0,
          running: [],
          lastError: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.kind = reader.string()
              break
            }
            case 2: {
              obj.index = reader.uint32()
              break
            }
            case 3: {
              obj.state = reader.string()
              break
            }
            case 4: {
              obj.attempts = reader.uint32()
              break
            }
            case 5: {
              obj.failures = reader.uint32()
              break
            }
            case 6: {
              if (opts.limits?.running != null && obj.running.length === opts.limits.running) {
                throw new MaxLengthError('Decode error - repeated field "running" had too many elements')
              }

              obj.running.push(TaskAttempt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.running$
              }))
              break
            }
            case 7: {
              obj.done = TaskAttempt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.done
              })
              break
            }
            case 8: {
              obj.split = MapSplit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.split
              })
              break
            }
            case 9: {
              obj.lastError = reader.string()
              break
            }
            case 10: {
              obj.result = TaskResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.result
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
          running: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
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
              yield {
                field: `${prefix}.attempts`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.failures`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              if (opts.limits?.running != null && obj.running === opts.limits.running) {
                throw new MaxLengthError('Streaming decode error - repeated field "running" had too many elements')
              }

              for (const evt of TaskAttempt.codec().stream(reader, reader.uint32(), `${prefix}.running[]`, {
                limits: opts.limits?.running$
              })) {
                yield {
                  ...evt,
                  index: obj.running
                }
              }

              obj.running++

              break
            }
            case 7: {
              yield * TaskAttempt.codec().stream(reader, reader.uint32(), `${prefix}.done`, {
                limits: opts.limits?.done
              })

              break
            }
            case 8: {
              yield * MapSplit.codec().stream(reader, reader.uint32(), `${prefix}.split`, {
                limits: opts.limits?.split
              })

              break
            }
            case 9: {
              yield {
                field: `${prefix}.lastError`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield * TaskResult.codec().stream(reader, reader.uint32(), `${prefix}.result`, {
                limits: opts.limits?.result
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

  export interface TaskRecordKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface TaskRecordIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface TaskRecordStateFieldEvent {
    field: '$.state'
    value: string
  }

  export interface TaskRecordAttemptsFieldEvent {
    field: '$.attempts'
    value: number
  }

  export interface TaskRecordFailuresFieldEvent {
    field: '$.failures'
    value: number
  }

  export interface TaskRecordRunningAttemptFieldEvent {
    field: '$.running[].attempt'
    value: number
    index: number
  }

  export interface TaskRecordRunningPeerFieldEvent {
    field: '$.running[].peer'
    value: string
    index: number
  }

  export interface TaskRecordRunningLocalityFieldEvent {
    field: '$.running[].locality'
    value: string
    index: number
  }

  export interface TaskRecordRunningStartedAtMsFieldEvent {
    field: '$.running[].startedAtMs'
    value: number
    index: number
  }

  export interface TaskRecordRunningBackupFieldEvent {
    field: '$.running[].backup'
    value: boolean
    index: number
  }

  export interface TaskRecordDoneAttemptFieldEvent {
    field: '$.done.attempt'
    value: number
  }

  export interface TaskRecordDonePeerFieldEvent {
    field: '$.done.peer'
    value: string
  }

  export interface TaskRecordDoneLocalityFieldEvent {
    field: '$.done.locality'
    value: string
  }

  export interface TaskRecordDoneStartedAtMsFieldEvent {
    field: '$.done.startedAtMs'
    value: number
  }

  export interface TaskRecordDoneBackupFieldEvent {
    field: '$.done.backup'
    value: boolean
  }

  export interface TaskRecordSplitPathFieldEvent {
    field: '$.split.path'
    value: string
  }

  export interface TaskRecordSplitStartBytesFieldEvent {
    field: '$.split.startBytes'
    value: number
  }

  export interface TaskRecordSplitEndBytesFieldEvent {
    field: '$.split.endBytes'
    value: number
  }

  export interface TaskRecordSplitChunkIdFieldEvent {
    field: '$.split.chunkId'
    value: string
  }

  export interface TaskRecordSplitChunkIndexFieldEvent {
    field: '$.split.chunkIndex'
    value: number
  }

  export interface TaskRecordLastErrorFieldEvent {
    field: '$.lastError'
    value: string
  }

  export interface TaskRecordResultPartitionBytesFieldEvent {
    field: '$.result.partitionBytes[]'
    index: number
    value: number
  }

  export interface TaskRecordResultInputRecordsFieldEvent {
    field: '$.result.inputRecords'
    value: number
  }

  export interface TaskRecordResultInputBytesFieldEvent {
    field: '$.result.inputBytes'
    value: number
  }

  export interface TaskRecordResultOutputRecordsFieldEvent {
    field: '$.result.outputRecords'
    value: number
  }

  export interface TaskRecordResultShuffleBytesFieldEvent {
    field: '$.result.shuffleBytes'
    value: number
  }

  export interface TaskRecordResultInputGroupsFieldEvent {
    field: '$.result.inputGroups'
    value: number
  }

  export function encode (obj: Partial<TaskRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskRecord>): TaskRecord {
    return decodeMessage(buf, TaskRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskRecord>): Generator<TaskRecordKindFieldEvent | TaskRecordIndexFieldEvent | TaskRecordStateFieldEvent | TaskRecordAttemptsFieldEvent | TaskRecordFailuresFieldEvent | TaskRecordRunningAttemptFieldEvent | TaskRecordRunningPeerFieldEvent | TaskRecordRunningLocalityFieldEvent | TaskRecordRunningStartedAtMsFieldEvent | TaskRecordRunningBackupFieldEvent | TaskRecordDoneAttemptFieldEvent | TaskRecordDonePeerFieldEvent | TaskRecordDoneLocalityFieldEvent | TaskRecordDoneStartedAtMsFieldEvent | TaskRecordDoneBackupFieldEvent | TaskRecordSplitPathFieldEvent | TaskRecordSplitStartBytesFieldEvent | TaskRecordSplitEndBytesFieldEvent | TaskRecordSplitChunkIdFieldEvent | TaskRecordSplitChunkIndexFieldEvent | TaskRecordLastErrorFieldEvent | TaskRecordResultPartitionBytesFieldEvent | TaskRecordResultInputRecordsFieldEvent | TaskRecordResultInputBytesFieldEvent | TaskRecordResultOutputRecordsFieldEvent | TaskRecordResultShuffleBytesFieldEvent | TaskRecordResultInputGroupsFieldEvent> {
    return streamMessage(buf, TaskRecord.codec(), opts)
  }
}

export interface JobRequest {
  op: string
  jobId: string
  spec?: JobSpec
  kind: string
  index: number
  attempt: number
  peer: string
  result?: TaskResult
  error: string
  lostMap?: number
  withTasks: boolean
}

export namespace JobRequest {
  let _codec: Codec<JobRequest>

  export const codec = (): Codec<JobRequest> => {
    if (_codec == null) {
      _codec = message<JobRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op !== '')) {
          w.uint32(10)
          w.string(obj.op)
        }

        if ((obj.jobId != null && obj.jobId !== '')) {
          w.uint32(18)
          w.string(obj.jobId)
        }

        if (obj.spec != null) {
          w.uint32(26)
          JobSpec.codec().encode(obj.spec, w)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(34)
          w.string(obj.kind)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(40)
          w.uint32(obj.index)
        }

        if ((obj.attempt != null && obj.attempt !== 0)) {
          w.uint32(48)
          w.uint32(obj.attempt)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(58)
          w.string(obj.peer)
        }

        if (obj.result != null) {
          w.uint32(66)
          TaskResult.codec().encode(obj.result, w)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(74)
          w.string(obj.error)
        }

        if (obj.lostMap != null) {
          w.uint32(80)
          w.uint32(obj.lostMap)
        }

        if ((obj.withTasks != null && obj.withTasks !== false)) {
          w.uint32(88)
          w.bool(obj.withTasks)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          jobId: '',
          kind: '',
          index: 0,
          attempt: 0,
          peer: '',
          error: '',
          withTasks: false
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
              obj.jobId = reader.string()
              break
            }
            case 3: {
              obj.spec = JobSpec.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.spec
              })
              break
            }
            case 4: {
              obj.kind = reader.string()
              break
            }
            case 5: {
              obj.index = reader.uint32()
              break
            }
            case 6: {
              obj.attempt = reader.uint32()
              break
            }
            case 7: {
              obj.peer = reader.string()
              break
            }
            case 8: {
              obj.result = TaskResult.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.result
              })
              break
            }
            case 9: {
              obj.error = reader.string()
              break
            }
            case 10: {
              obj.lostMap = reader.uint32()
              break
            }
            case 11: {
              obj.withTasks = reader.bool()
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
                field: `${prefix}.jobId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield * JobSpec.codec().stream(reader, reader.uint32(), `${prefix}.spec`, {
                limits: opts.limits?.spec
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.attempt`,
                value: reader.uint32()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.peer`,
                value: reader.string()
              }
              break
            }
            case 8: {
              yield * TaskResult.codec().stream(reader, reader.uint32(), `${prefix}.result`, {
                limits: opts.limits?.result
              })

              break
            }
            case 9: {
              yield {
                field: `${prefix}.error`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield {
                field: `${prefix}.lostMap`,
                value: reader.uint32()
              }
              break
            }
            case 11: {
              yield {
                field: `${prefix}.withTasks`,
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

  export interface JobRequestOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface JobRequestJobIdFieldEvent {
    field: '$.jobId'
    value: string
  }

  export interface JobRequestSpecInputsFieldEvent {
    field: '$.spec.inputs[]'
    index: number
    value: string
  }

  export interface JobRequestSpecOutputFieldEvent {
    field: '$.spec.output'
    value: string
  }

  export interface JobRequestSpecReducersFieldEvent {
    field: '$.spec.reducers'
    value: number
  }

  export interface JobRequestSpecBundlePathFieldEvent {
    field: '$.spec.bundlePath'
    value: string
  }

  export interface JobRequestSpecModuleNameFieldEvent {
    field: '$.spec.moduleName'
    value: string
  }

  export interface JobRequestSpecInputFormatFieldEvent {
    field: '$.spec.inputFormat'
    value: string
  }

  export interface JobRequestKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface JobRequestIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface JobRequestAttemptFieldEvent {
    field: '$.attempt'
    value: number
  }

  export interface JobRequestPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface JobRequestResultPartitionBytesFieldEvent {
    field: '$.result.partitionBytes[]'
    index: number
    value: number
  }

  export interface JobRequestResultInputRecordsFieldEvent {
    field: '$.result.inputRecords'
    value: number
  }

  export interface JobRequestResultInputBytesFieldEvent {
    field: '$.result.inputBytes'
    value: number
  }

  export interface JobRequestResultOutputRecordsFieldEvent {
    field: '$.result.outputRecords'
    value: number
  }

  export interface JobRequestResultShuffleBytesFieldEvent {
    field: '$.result.shuffleBytes'
    value: number
  }

  export interface JobRequestResultInputGroupsFieldEvent {
    field: '$.result.inputGroups'
    value: number
  }

  export interface JobRequestErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export interface JobRequestLostMapFieldEvent {
    field: '$.lostMap'
    value: number
  }

  export interface JobRequestWithTasksFieldEvent {
    field: '$.withTasks'
    value: boolean
  }

  export function encode (obj: Partial<JobRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JobRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobRequest>): JobRequest {
    return decodeMessage(buf, JobRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobRequest>): Generator<JobRequestOpFieldEvent | JobRequestJobIdFieldEvent | JobRequestSpecInputsFieldEvent | JobRequestSpecOutputFieldEvent | JobRequestSpecReducersFieldEvent | JobRequestSpecBundlePathFieldEvent | JobRequestSpecModuleNameFieldEvent | JobRequestSpecInputFormatFieldEvent | JobRequestKindFieldEvent | JobRequestIndexFieldEvent | JobRequestAttemptFieldEvent | JobRequestPeerFieldEvent | JobRequestResultPartitionBytesFieldEvent | JobRequestResultInputRecordsFieldEvent | JobRequestResultInputBytesFieldEvent | JobRequestResultOutputRecordsFieldEvent | JobRequestResultShuffleBytesFieldEvent | JobRequestResultInputGroupsFieldEvent | JobRequestErrorFieldEvent | JobRequestLostMapFieldEvent | JobRequestWithTasksFieldEvent> {
    return streamMessage(buf, JobRequest.codec(), opts)
  }
}

export interface JobResponse {
  job?: JobRecord
  jobs: JobRecord[]
  tasks: TaskRecord[]
}

export namespace JobResponse {
  let _codec: Codec<JobResponse>

  export const codec = (): Codec<JobResponse> => {
    if (_codec == null) {
      _codec = message<JobResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.job != null) {
          w.uint32(10)
          JobRecord.codec().encode(obj.job, w)
        }

        if (obj.jobs != null && obj.jobs.length > 0) {
          for (const value of obj.jobs) {
            w.uint32(18)
            JobRecord.codec().encode(value, w)
          }
        }

        if (obj.tasks != null && obj.tasks.length > 0) {
          for (const value of obj.tasks) {
            w.uint32(26)
            TaskRecord.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobs: [],
          tasks: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.job = JobRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.job
              })
              break
            }
            case 2: {
              if (opts.limits?.jobs != null && obj.jobs.length === opts.limits.jobs) {
                throw new MaxLengthError('Decode error - repeated field "jobs" had too many elements')
              }

              obj.jobs.push(JobRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.jobs$
              }))
              break
            }
            case 3: {
              if (opts.limits?.tasks != null && obj.tasks.length === opts.limits.tasks) {
                throw new MaxLengthError('Decode error - repeated field "tasks" had too many elements')
              }

              obj.tasks.push(TaskRecord.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.tasks$
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
          jobs: 0,
          tasks: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield * JobRecord.codec().stream(reader, reader.uint32(), `${prefix}.job`, {
                limits: opts.limits?.job
              })

              break
            }
            case 2: {
              if (opts.limits?.jobs != null && obj.jobs === opts.limits.jobs) {
                throw new MaxLengthError('Streaming decode error - repeated field "jobs" had too many elements')
              }

              for (const evt of JobRecord.codec().stream(reader, reader.uint32(), `${prefix}.jobs[]`, {
                limits: opts.limits?.jobs$
              })) {
                yield {
                  ...evt,
                  index: obj.jobs
                }
              }

              obj.jobs++

              break
            }
            case 3: {
              if (opts.limits?.tasks != null && obj.tasks === opts.limits.tasks) {
                throw new MaxLengthError('Streaming decode error - repeated field "tasks" had too many elements')
              }

              for (const evt of TaskRecord.codec().stream(reader, reader.uint32(), `${prefix}.tasks[]`, {
                limits: opts.limits?.tasks$
              })) {
                yield {
                  ...evt,
                  index: obj.tasks
                }
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

  export interface JobResponseJobIdFieldEvent {
    field: '$.job.id'
    value: string
  }

  export interface JobResponseJobSpecInputsFieldEvent {
    field: '$.job.spec.inputs[]'
    index: number
    value: string
  }

  export interface JobResponseJobSpecOutputFieldEvent {
    field: '$.job.spec.output'
    value: string
  }

  export interface JobResponseJobSpecReducersFieldEvent {
    field: '$.job.spec.reducers'
    value: number
  }

  export interface JobResponseJobSpecBundlePathFieldEvent {
    field: '$.job.spec.bundlePath'
    value: string
  }

  export interface JobResponseJobSpecModuleNameFieldEvent {
    field: '$.job.spec.moduleName'
    value: string
  }

  export interface JobResponseJobSpecInputFormatFieldEvent {
    field: '$.job.spec.inputFormat'
    value: string
  }

  export interface JobResponseJobStateFieldEvent {
    field: '$.job.state'
    value: string
  }

  export interface JobResponseJobErrorFieldEvent {
    field: '$.job.error'
    value: string
  }

  export interface JobResponseJobFailedTaskFieldEvent {
    field: '$.job.failedTask'
    value: string
  }

  export interface JobResponseJobSubmittedAtMsFieldEvent {
    field: '$.job.submittedAtMs'
    value: number
  }

  export interface JobResponseJobFinishedAtMsFieldEvent {
    field: '$.job.finishedAtMs'
    value: number
  }

  export interface JobResponseJobCountersMapTasksFieldEvent {
    field: '$.job.counters.mapTasks'
    value: number
  }

  export interface JobResponseJobCountersNodeLocalMapsFieldEvent {
    field: '$.job.counters.nodeLocalMaps'
    value: number
  }

  export interface JobResponseJobCountersRackLocalMapsFieldEvent {
    field: '$.job.counters.rackLocalMaps'
    value: number
  }

  export interface JobResponseJobCountersRemoteMapsFieldEvent {
    field: '$.job.counters.remoteMaps'
    value: number
  }

  export interface JobResponseJobCountersMapInputRecordsFieldEvent {
    field: '$.job.counters.mapInputRecords'
    value: number
  }

  export interface JobResponseJobCountersMapInputBytesFieldEvent {
    field: '$.job.counters.mapInputBytes'
    value: number
  }

  export interface JobResponseJobCountersMapOutputRecordsFieldEvent {
    field: '$.job.counters.mapOutputRecords'
    value: number
  }

  export interface JobResponseJobCountersReduceTasksFieldEvent {
    field: '$.job.counters.reduceTasks'
    value: number
  }

  export interface JobResponseJobCountersReduceInputGroupsFieldEvent {
    field: '$.job.counters.reduceInputGroups'
    value: number
  }

  export interface JobResponseJobCountersReduceInputRecordsFieldEvent {
    field: '$.job.counters.reduceInputRecords'
    value: number
  }

  export interface JobResponseJobCountersReduceOutputRecordsFieldEvent {
    field: '$.job.counters.reduceOutputRecords'
    value: number
  }

  export interface JobResponseJobCountersShuffleBytesFieldEvent {
    field: '$.job.counters.shuffleBytes'
    value: number
  }

  export interface JobResponseJobCountersFailedTaskAttemptsFieldEvent {
    field: '$.job.counters.failedTaskAttempts'
    value: number
  }

  export interface JobResponseJobCountersBackupTasksFieldEvent {
    field: '$.job.counters.backupTasks'
    value: number
  }

  export interface JobResponseJobCountersRerunMapsFieldEvent {
    field: '$.job.counters.rerunMaps'
    value: number
  }

  export interface JobResponseJobCountersLostTaskAttemptsFieldEvent {
    field: '$.job.counters.lostTaskAttempts'
    value: number
  }

  export interface JobResponseJobMapTasksFieldEvent {
    field: '$.job.mapTasks'
    value: number
  }

  export interface JobResponseJobMapsDoneFieldEvent {
    field: '$.job.mapsDone'
    value: number
  }

  export interface JobResponseJobReducesDoneFieldEvent {
    field: '$.job.reducesDone'
    value: number
  }

  export interface JobResponseJobsIdFieldEvent {
    field: '$.jobs[].id'
    value: string
    index: number
  }

  export interface JobResponseJobsSpecInputsFieldEvent {
    field: '$.jobs[].spec.inputs[]'
    index: number
    value: string
  }

  export interface JobResponseJobsSpecOutputFieldEvent {
    field: '$.jobs[].spec.output'
    value: string
    index: number
  }

  export interface JobResponseJobsSpecReducersFieldEvent {
    field: '$.jobs[].spec.reducers'
    value: number
    index: number
  }

  export interface JobResponseJobsSpecBundlePathFieldEvent {
    field: '$.jobs[].spec.bundlePath'
    value: string
    index: number
  }

  export interface JobResponseJobsSpecModuleNameFieldEvent {
    field: '$.jobs[].spec.moduleName'
    value: string
    index: number
  }

  export interface JobResponseJobsSpecInputFormatFieldEvent {
    field: '$.jobs[].spec.inputFormat'
    value: string
    index: number
  }

  export interface JobResponseJobsStateFieldEvent {
    field: '$.jobs[].state'
    value: string
    index: number
  }

  export interface JobResponseJobsErrorFieldEvent {
    field: '$.jobs[].error'
    value: string
    index: number
  }

  export interface JobResponseJobsFailedTaskFieldEvent {
    field: '$.jobs[].failedTask'
    value: string
    index: number
  }

  export interface JobResponseJobsSubmittedAtMsFieldEvent {
    field: '$.jobs[].submittedAtMs'
    value: number
    index: number
  }

  export interface JobResponseJobsFinishedAtMsFieldEvent {
    field: '$.jobs[].finishedAtMs'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersMapTasksFieldEvent {
    field: '$.jobs[].counters.mapTasks'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersNodeLocalMapsFieldEvent {
    field: '$.jobs[].counters.nodeLocalMaps'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersRackLocalMapsFieldEvent {
    field: '$.jobs[].counters.rackLocalMaps'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersRemoteMapsFieldEvent {
    field: '$.jobs[].counters.remoteMaps'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersMapInputRecordsFieldEvent {
    field: '$.jobs[].counters.mapInputRecords'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersMapInputBytesFieldEvent {
    field: '$.jobs[].counters.mapInputBytes'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersMapOutputRecordsFieldEvent {
    field: '$.jobs[].counters.mapOutputRecords'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersReduceTasksFieldEvent {
    field: '$.jobs[].counters.reduceTasks'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersReduceInputGroupsFieldEvent {
    field: '$.jobs[].counters.reduceInputGroups'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersReduceInputRecordsFieldEvent {
    field: '$.jobs[].counters.reduceInputRecords'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersReduceOutputRecordsFieldEvent {
    field: '$.jobs[].counters.reduceOutputRecords'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersShuffleBytesFieldEvent {
    field: '$.jobs[].counters.shuffleBytes'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersFailedTaskAttemptsFieldEvent {
    field: '$.jobs[].counters.failedTaskAttempts'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersBackupTasksFieldEvent {
    field: '$.jobs[].counters.backupTasks'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersRerunMapsFieldEvent {
    field: '$.jobs[].counters.rerunMaps'
    value: number
    index: number
  }

  export interface JobResponseJobsCountersLostTaskAttemptsFieldEvent {
    field: '$.jobs[].counters.lostTaskAttempts'
    value: number
    index: number
  }

  export interface JobResponseJobsMapTasksFieldEvent {
    field: '$.jobs[].mapTasks'
    value: number
    index: number
  }

  export interface JobResponseJobsMapsDoneFieldEvent {
    field: '$.jobs[].mapsDone'
    value: number
    index: number
  }

  export interface JobResponseJobsReducesDoneFieldEvent {
    field: '$.jobs[].reducesDone'
    value: number
    index: number
  }

  export interface JobResponseTasksKindFieldEvent {
    field: '$.tasks[].kind'
    value: string
    index: number
  }

  export interface JobResponseTasksIndexFieldEvent {
    field: '$.tasks[].index'
    value: number
    index: number
  }

  export interface JobResponseTasksStateFieldEvent {
    field: '$.tasks[].state'
    value: string
    index: number
  }

  export interface JobResponseTasksAttemptsFieldEvent {
    field: '$.tasks[].attempts'
    value: number
    index: number
  }

  export interface JobResponseTasksFailuresFieldEvent {
    field: '$.tasks[].failures'
    value: number
    index: number
  }

  export interface JobResponseTasksRunningAttemptFieldEvent {
    field: '$.tasks[].running[].attempt'
    value: number
    index: number
  }

  export interface JobResponseTasksRunningPeerFieldEvent {
    field: '$.tasks[].running[].peer'
    value: string
    index: number
  }

  export interface JobResponseTasksRunningLocalityFieldEvent {
    field: '$.tasks[].running[].locality'
    value: string
    index: number
  }

  export interface JobResponseTasksRunningStartedAtMsFieldEvent {
    field: '$.tasks[].running[].startedAtMs'
    value: number
    index: number
  }

  export interface JobResponseTasksRunningBackupFieldEvent {
    field: '$.tasks[].running[].backup'
    value: boolean
    index: number
  }

  export interface JobResponseTasksDoneAttemptFieldEvent {
    field: '$.tasks[].done.attempt'
    value: number
    index: number
  }

  export interface JobResponseTasksDonePeerFieldEvent {
    field: '$.tasks[].done.peer'
    value: string
    index: number
  }

  export interface JobResponseTasksDoneLocalityFieldEvent {
    field: '$.tasks[].done.locality'
    value: string
    index: number
  }

  export interface JobResponseTasksDoneStartedAtMsFieldEvent {
    field: '$.tasks[].done.startedAtMs'
    value: number
    index: number
  }

  export interface JobResponseTasksDoneBackupFieldEvent {
    field: '$.tasks[].done.backup'
    value: boolean
    index: number
  }

  export interface JobResponseTasksSplitPathFieldEvent {
    field: '$.tasks[].split.path'
    value: string
    index: number
  }

  export interface JobResponseTasksSplitStartBytesFieldEvent {
    field: '$.tasks[].split.startBytes'
    value: number
    index: number
  }

  export interface JobResponseTasksSplitEndBytesFieldEvent {
    field: '$.tasks[].split.endBytes'
    value: number
    index: number
  }

  export interface JobResponseTasksSplitChunkIdFieldEvent {
    field: '$.tasks[].split.chunkId'
    value: string
    index: number
  }

  export interface JobResponseTasksSplitChunkIndexFieldEvent {
    field: '$.tasks[].split.chunkIndex'
    value: number
    index: number
  }

  export interface JobResponseTasksLastErrorFieldEvent {
    field: '$.tasks[].lastError'
    value: string
    index: number
  }

  export interface JobResponseTasksResultPartitionBytesFieldEvent {
    field: '$.tasks[].result.partitionBytes[]'
    index: number
    value: number
  }

  export interface JobResponseTasksResultInputRecordsFieldEvent {
    field: '$.tasks[].result.inputRecords'
    value: number
    index: number
  }

  export interface JobResponseTasksResultInputBytesFieldEvent {
    field: '$.tasks[].result.inputBytes'
    value: number
    index: number
  }

  export interface JobResponseTasksResultOutputRecordsFieldEvent {
    field: '$.tasks[].result.outputRecords'
    value: number
    index: number
  }

  export interface JobResponseTasksResultShuffleBytesFieldEvent {
    field: '$.tasks[].result.shuffleBytes'
    value: number
    index: number
  }

  export interface JobResponseTasksResultInputGroupsFieldEvent {
    field: '$.tasks[].result.inputGroups'
    value: number
    index: number
  }

  export function encode (obj: Partial<JobResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, JobResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobResponse>): JobResponse {
    return decodeMessage(buf, JobResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<JobResponse>): Generator<JobResponseJobIdFieldEvent | JobResponseJobSpecInputsFieldEvent | JobResponseJobSpecOutputFieldEvent | JobResponseJobSpecReducersFieldEvent | JobResponseJobSpecBundlePathFieldEvent | JobResponseJobSpecModuleNameFieldEvent | JobResponseJobSpecInputFormatFieldEvent | JobResponseJobStateFieldEvent | JobResponseJobErrorFieldEvent | JobResponseJobFailedTaskFieldEvent | JobResponseJobSubmittedAtMsFieldEvent | JobResponseJobFinishedAtMsFieldEvent | JobResponseJobCountersMapTasksFieldEvent | JobResponseJobCountersNodeLocalMapsFieldEvent | JobResponseJobCountersRackLocalMapsFieldEvent | JobResponseJobCountersRemoteMapsFieldEvent | JobResponseJobCountersMapInputRecordsFieldEvent | JobResponseJobCountersMapInputBytesFieldEvent | JobResponseJobCountersMapOutputRecordsFieldEvent | JobResponseJobCountersReduceTasksFieldEvent | JobResponseJobCountersReduceInputGroupsFieldEvent | JobResponseJobCountersReduceInputRecordsFieldEvent | JobResponseJobCountersReduceOutputRecordsFieldEvent | JobResponseJobCountersShuffleBytesFieldEvent | JobResponseJobCountersFailedTaskAttemptsFieldEvent | JobResponseJobCountersBackupTasksFieldEvent | JobResponseJobCountersRerunMapsFieldEvent | JobResponseJobCountersLostTaskAttemptsFieldEvent | JobResponseJobMapTasksFieldEvent | JobResponseJobMapsDoneFieldEvent | JobResponseJobReducesDoneFieldEvent | JobResponseJobsIdFieldEvent | JobResponseJobsSpecInputsFieldEvent | JobResponseJobsSpecOutputFieldEvent | JobResponseJobsSpecReducersFieldEvent | JobResponseJobsSpecBundlePathFieldEvent | JobResponseJobsSpecModuleNameFieldEvent | JobResponseJobsSpecInputFormatFieldEvent | JobResponseJobsStateFieldEvent | JobResponseJobsErrorFieldEvent | JobResponseJobsFailedTaskFieldEvent | JobResponseJobsSubmittedAtMsFieldEvent | JobResponseJobsFinishedAtMsFieldEvent | JobResponseJobsCountersMapTasksFieldEvent | JobResponseJobsCountersNodeLocalMapsFieldEvent | JobResponseJobsCountersRackLocalMapsFieldEvent | JobResponseJobsCountersRemoteMapsFieldEvent | JobResponseJobsCountersMapInputRecordsFieldEvent | JobResponseJobsCountersMapInputBytesFieldEvent | JobResponseJobsCountersMapOutputRecordsFieldEvent | JobResponseJobsCountersReduceTasksFieldEvent | JobResponseJobsCountersReduceInputGroupsFieldEvent | JobResponseJobsCountersReduceInputRecordsFieldEvent | JobResponseJobsCountersReduceOutputRecordsFieldEvent | JobResponseJobsCountersShuffleBytesFieldEvent | JobResponseJobsCountersFailedTaskAttemptsFieldEvent | JobResponseJobsCountersBackupTasksFieldEvent | JobResponseJobsCountersRerunMapsFieldEvent | JobResponseJobsCountersLostTaskAttemptsFieldEvent | JobResponseJobsMapTasksFieldEvent | JobResponseJobsMapsDoneFieldEvent | JobResponseJobsReducesDoneFieldEvent | JobResponseTasksKindFieldEvent | JobResponseTasksIndexFieldEvent | JobResponseTasksStateFieldEvent | JobResponseTasksAttemptsFieldEvent | JobResponseTasksFailuresFieldEvent | JobResponseTasksRunningAttemptFieldEvent | JobResponseTasksRunningPeerFieldEvent | JobResponseTasksRunningLocalityFieldEvent | JobResponseTasksRunningStartedAtMsFieldEvent | JobResponseTasksRunningBackupFieldEvent | JobResponseTasksDoneAttemptFieldEvent | JobResponseTasksDonePeerFieldEvent | JobResponseTasksDoneLocalityFieldEvent | JobResponseTasksDoneStartedAtMsFieldEvent | JobResponseTasksDoneBackupFieldEvent | JobResponseTasksSplitPathFieldEvent | JobResponseTasksSplitStartBytesFieldEvent | JobResponseTasksSplitEndBytesFieldEvent | JobResponseTasksSplitChunkIdFieldEvent | JobResponseTasksSplitChunkIndexFieldEvent | JobResponseTasksLastErrorFieldEvent | JobResponseTasksResultPartitionBytesFieldEvent | JobResponseTasksResultInputRecordsFieldEvent | JobResponseTasksResultInputBytesFieldEvent | JobResponseTasksResultOutputRecordsFieldEvent | JobResponseTasksResultShuffleBytesFieldEvent | JobResponseTasksResultInputGroupsFieldEvent> {
    return streamMessage(buf, JobResponse.codec(), opts)
  }
}

export interface MapOutputLocation {
  index: number
  attempt: number
  peer: string
  addresses: string[]
}

export namespace MapOutputLocation {
  let _codec: Codec<MapOutputLocation>

  export const codec = (): Codec<MapOutputLocation> => {
    if (_codec == null) {
      _codec = message<MapOutputLocation>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint32(obj.index)
        }

        if ((obj.attempt != null && obj.attempt !== 0)) {
          w.uint32(16)
          w.uint32(obj.attempt)
        }

        if ((obj.peer != null && obj.peer !== '')) {
          w.uint32(26)
          w.string(obj.peer)
        }

        if (obj.addresses != null && obj.addresses.length > 0) {
          for (const value of obj.addresses) {
            w.uint32(34)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          attempt: 0,
          peer: '',
          addresses: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint32()
              break
            }
            case 2: {
              obj.attempt = reader.uint32()
              break
            }
            case 3: {
              obj.peer = reader.string()
              break
            }
            case 4: {
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
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.attempt`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.peer`,
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

  export interface MapOutputLocationIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface MapOutputLocationAttemptFieldEvent {
    field: '$.attempt'
    value: number
  }

  export interface MapOutputLocationPeerFieldEvent {
    field: '$.peer'
    value: string
  }

  export interface MapOutputLocationAddressesFieldEvent {
    field: '$.addresses[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<MapOutputLocation>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, MapOutputLocation.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MapOutputLocation>): MapOutputLocation {
    return decodeMessage(buf, MapOutputLocation.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MapOutputLocation>): Generator<MapOutputLocationIndexFieldEvent | MapOutputLocationAttemptFieldEvent | MapOutputLocationPeerFieldEvent | MapOutputLocationAddressesFieldEvent> {
    return streamMessage(buf, MapOutputLocation.codec(), opts)
  }
}

export interface TaskOrder {
  op: string
  jobId: string
  kind: string
  index: number
  attempt: number
  bundlePath: string
  reducers: number
  inputFormat: string
  split?: MapSplit
  maps: MapOutputLocation[]
  output: string
}

export namespace TaskOrder {
  let _codec: Codec<TaskOrder>

  export const codec = (): Codec<TaskOrder> => {
    if (_codec == null) {
      _codec = message<TaskOrder>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.op != null && obj.op !== '')) {
          w.uint32(10)
          w.string(obj.op)
        }

        if ((obj.jobId != null && obj.jobId !== '')) {
          w.uint32(18)
          w.string(obj.jobId)
        }

        if ((obj.kind != null && obj.kind !== '')) {
          w.uint32(26)
          w.string(obj.kind)
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(32)
          w.uint32(obj.index)
        }

        if ((obj.attempt != null && obj.attempt !== 0)) {
          w.uint32(40)
          w.uint32(obj.attempt)
        }

        if ((obj.bundlePath != null && obj.bundlePath !== '')) {
          w.uint32(50)
          w.string(obj.bundlePath)
        }

        if ((obj.reducers != null && obj.reducers !== 0)) {
          w.uint32(56)
          w.uint32(obj.reducers)
        }

        if ((obj.inputFormat != null && obj.inputFormat !== '')) {
          w.uint32(66)
          w.string(obj.inputFormat)
        }

        if (obj.split != null) {
          w.uint32(74)
          MapSplit.codec().encode(obj.split, w)
        }

        if (obj.maps != null && obj.maps.length > 0) {
          for (const value of obj.maps) {
            w.uint32(82)
            MapOutputLocation.codec().encode(value, w)
          }
        }

        if ((obj.output != null && obj.output !== '')) {
          w.uint32(90)
          w.string(obj.output)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          op: '',
          jobId: '',
          kind: '',
          index: 0,
          attempt: 0,
          bundlePath: '',
          reducers: 0,
          inputFormat: '',
          maps: [],
          output: ''
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
              obj.jobId = reader.string()
              break
            }
            case 3: {
              obj.kind = reader.string()
              break
            }
            case 4: {
              obj.index = reader.uint32()
              break
            }
            case 5: {
              obj.attempt = reader.uint32()
              break
            }
            case 6: {
              obj.bundlePath = reader.string()
              break
            }
            case 7: {
              obj.reducers = reader.uint32()
              break
            }
            case 8: {
              obj.inputFormat = reader.string()
              break
            }
            case 9: {
              obj.split = MapSplit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.split
              })
              break
            }
            case 10: {
              if (opts.limits?.maps != null && obj.maps.length === opts.limits.maps) {
                throw new MaxLengthError('Decode error - repeated field "maps" had too many elements')
              }

              obj.maps.push(MapOutputLocation.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.maps$
              }))
              break
            }
            case 11: {
              obj.output = reader.string()
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
          maps: 0
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
                field: `${prefix}.jobId`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.kind`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.index`,
                value: reader.uint32()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.attempt`,
                value: reader.uint32()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.bundlePath`,
                value: reader.string()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.reducers`,
                value: reader.uint32()
              }
              break
            }
            case 8: {
              yield {
                field: `${prefix}.inputFormat`,
                value: reader.string()
              }
              break
            }
            case 9: {
              yield * MapSplit.codec().stream(reader, reader.uint32(), `${prefix}.split`, {
                limits: opts.limits?.split
              })

              break
            }
            case 10: {
              if (opts.limits?.maps != null && obj.maps === opts.limits.maps) {
                throw new MaxLengthError('Streaming decode error - repeated field "maps" had too many elements')
              }

              for (const evt of MapOutputLocation.codec().stream(reader, reader.uint32(), `${prefix}.maps[]`, {
                limits: opts.limits?.maps$
              })) {
                yield {
                  ...evt,
                  index: obj.maps
                }
              }

              obj.maps++

              break
            }
            case 11: {
              yield {
                field: `${prefix}.output`,
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

  export interface TaskOrderOpFieldEvent {
    field: '$.op'
    value: string
  }

  export interface TaskOrderJobIdFieldEvent {
    field: '$.jobId'
    value: string
  }

  export interface TaskOrderKindFieldEvent {
    field: '$.kind'
    value: string
  }

  export interface TaskOrderIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface TaskOrderAttemptFieldEvent {
    field: '$.attempt'
    value: number
  }

  export interface TaskOrderBundlePathFieldEvent {
    field: '$.bundlePath'
    value: string
  }

  export interface TaskOrderReducersFieldEvent {
    field: '$.reducers'
    value: number
  }

  export interface TaskOrderInputFormatFieldEvent {
    field: '$.inputFormat'
    value: string
  }

  export interface TaskOrderSplitPathFieldEvent {
    field: '$.split.path'
    value: string
  }

  export interface TaskOrderSplitStartBytesFieldEvent {
    field: '$.split.startBytes'
    value: number
  }

  export interface TaskOrderSplitEndBytesFieldEvent {
    field: '$.split.endBytes'
    value: number
  }

  export interface TaskOrderSplitChunkIdFieldEvent {
    field: '$.split.chunkId'
    value: string
  }

  export interface TaskOrderSplitChunkIndexFieldEvent {
    field: '$.split.chunkIndex'
    value: number
  }

  export interface TaskOrderMapsIndexFieldEvent {
    field: '$.maps[].index'
    value: number
    index: number
  }

  export interface TaskOrderMapsAttemptFieldEvent {
    field: '$.maps[].attempt'
    value: number
    index: number
  }

  export interface TaskOrderMapsPeerFieldEvent {
    field: '$.maps[].peer'
    value: string
    index: number
  }

  export interface TaskOrderMapsAddressesFieldEvent {
    field: '$.maps[].addresses[]'
    index: number
    value: string
  }

  export interface TaskOrderOutputFieldEvent {
    field: '$.output'
    value: string
  }

  export function encode (obj: Partial<TaskOrder>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskOrder.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskOrder>): TaskOrder {
    return decodeMessage(buf, TaskOrder.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskOrder>): Generator<TaskOrderOpFieldEvent | TaskOrderJobIdFieldEvent | TaskOrderKindFieldEvent | TaskOrderIndexFieldEvent | TaskOrderAttemptFieldEvent | TaskOrderBundlePathFieldEvent | TaskOrderReducersFieldEvent | TaskOrderInputFormatFieldEvent | TaskOrderSplitPathFieldEvent | TaskOrderSplitStartBytesFieldEvent | TaskOrderSplitEndBytesFieldEvent | TaskOrderSplitChunkIdFieldEvent | TaskOrderSplitChunkIndexFieldEvent | TaskOrderMapsIndexFieldEvent | TaskOrderMapsAttemptFieldEvent | TaskOrderMapsPeerFieldEvent | TaskOrderMapsAddressesFieldEvent | TaskOrderOutputFieldEvent> {
    return streamMessage(buf, TaskOrder.codec(), opts)
  }
}

export interface TaskOrderAck {
  accepted: boolean
  error: string
}

export namespace TaskOrderAck {
  let _codec: Codec<TaskOrderAck>

  export const codec = (): Codec<TaskOrderAck> => {
    if (_codec == null) {
      _codec = message<TaskOrderAck>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.accepted != null && obj.accepted !== false)) {
          w.uint32(8)
          w.bool(obj.accepted)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(18)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          accepted: false,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.accepted = reader.bool()
              break
            }
            case 2: {
              obj.error = reader.string()
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
                field: `${prefix}.accepted`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.error`,
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

  export interface TaskOrderAckAcceptedFieldEvent {
    field: '$.accepted'
    value: boolean
  }

  export interface TaskOrderAckErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<TaskOrderAck>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TaskOrderAck.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskOrderAck>): TaskOrderAck {
    return decodeMessage(buf, TaskOrderAck.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TaskOrderAck>): Generator<TaskOrderAckAcceptedFieldEvent | TaskOrderAckErrorFieldEvent> {
    return streamMessage(buf, TaskOrderAck.codec(), opts)
  }
}

export interface ShuffleRequest {
  jobId: string
  mapIndex: number
  attempt: number
  partition: number
}

export namespace ShuffleRequest {
  let _codec: Codec<ShuffleRequest>

  export const codec = (): Codec<ShuffleRequest> => {
    if (_codec == null) {
      _codec = message<ShuffleRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.jobId != null && obj.jobId !== '')) {
          w.uint32(10)
          w.string(obj.jobId)
        }

        if ((obj.mapIndex != null && obj.mapIndex !== 0)) {
          w.uint32(16)
          w.uint32(obj.mapIndex)
        }

        if ((obj.attempt != null && obj.attempt !== 0)) {
          w.uint32(24)
          w.uint32(obj.attempt)
        }

        if ((obj.partition != null && obj.partition !== 0)) {
          w.uint32(32)
          w.uint32(obj.partition)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          jobId: '',
          mapIndex: 0,
          attempt: 0,
          partition: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.jobId = reader.string()
              break
            }
            case 2: {
              obj.mapIndex = reader.uint32()
              break
            }
            case 3: {
              obj.attempt = reader.uint32()
              break
            }
            case 4: {
              obj.partition = reader.uint32()
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
                field: `${prefix}.jobId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.mapIndex`,
                value: reader.uint32()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.attempt`,
                value: reader.uint32()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.partition`,
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

  export interface ShuffleRequestJobIdFieldEvent {
    field: '$.jobId'
    value: string
  }

  export interface ShuffleRequestMapIndexFieldEvent {
    field: '$.mapIndex'
    value: number
  }

  export interface ShuffleRequestAttemptFieldEvent {
    field: '$.attempt'
    value: number
  }

  export interface ShuffleRequestPartitionFieldEvent {
    field: '$.partition'
    value: number
  }

  export function encode (obj: Partial<ShuffleRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShuffleRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShuffleRequest>): ShuffleRequest {
    return decodeMessage(buf, ShuffleRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShuffleRequest>): Generator<ShuffleRequestJobIdFieldEvent | ShuffleRequestMapIndexFieldEvent | ShuffleRequestAttemptFieldEvent | ShuffleRequestPartitionFieldEvent> {
    return streamMessage(buf, ShuffleRequest.codec(), opts)
  }
}

export interface ShuffleHeader {
  found: boolean
  sizeBytes: number
  error: string
}

export namespace ShuffleHeader {
  let _codec: Codec<ShuffleHeader>

  export const codec = (): Codec<ShuffleHeader> => {
    if (_codec == null) {
      _codec = message<ShuffleHeader>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.found != null && obj.found !== false)) {
          w.uint32(8)
          w.bool(obj.found)
        }

        if ((obj.sizeBytes != null && obj.sizeBytes !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.sizeBytes)
        }

        if ((obj.error != null && obj.error !== '')) {
          w.uint32(26)
          w.string(obj.error)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          found: false,
          sizeBytes: 0,
          error: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.found = reader.bool()
              break
            }
            case 2: {
              obj.sizeBytes = reader.uint64Number()
              break
            }
            case 3: {
              obj.error = reader.string()
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
                field: `${prefix}.found`,
                value: reader.bool()
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
                field: `${prefix}.error`,
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

  export interface ShuffleHeaderFoundFieldEvent {
    field: '$.found'
    value: boolean
  }

  export interface ShuffleHeaderSizeBytesFieldEvent {
    field: '$.sizeBytes'
    value: number
  }

  export interface ShuffleHeaderErrorFieldEvent {
    field: '$.error'
    value: string
  }

  export function encode (obj: Partial<ShuffleHeader>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ShuffleHeader.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShuffleHeader>): ShuffleHeader {
    return decodeMessage(buf, ShuffleHeader.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ShuffleHeader>): Generator<ShuffleHeaderFoundFieldEvent | ShuffleHeaderSizeBytesFieldEvent | ShuffleHeaderErrorFieldEvent> {
    return streamMessage(buf, ShuffleHeader.codec(), opts)
  }
}
