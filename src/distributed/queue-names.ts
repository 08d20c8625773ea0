/** The BullMQ queue every featurize driver and worker share, and the job options the driver sets. */
export const QUEUE_NAME = 'rewardfit-featurize'

export const JOB_DEFAULTS = {
  /** Tries per shard for failures that may pass (a lost connection, a full disk); data errors fail at once. */
  attempts: 3,
  /** First retry delay, ms, doubled per retry. */
  backoffMs: 1000,
} as const

/** BullMQ job ids may not contain ':'; entry names and digests are hex and '-'. */
export const shardJobId = (entry: string, targetsDigest: string) => `shard-${entry}-${targetsDigest.slice(0, 16)}`
