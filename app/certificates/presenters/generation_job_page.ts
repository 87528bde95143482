import type GenerationJob from '#certificates/models/generation_job'

/** Started and not finished: its page polls for progress. A job created to start later waits without polling. */
export function isRunning(job: GenerationJob) {
  return !job.isFinished && (job.status === 'processing' || job.startedAt !== null)
}

/** The island's numbers. */
export function progressOf(job: GenerationJob) {
  return {
    running: isRunning(job),
    waiting: Math.max(0, job.totalItems - job.completedItems - job.failedItems),
  }
}
