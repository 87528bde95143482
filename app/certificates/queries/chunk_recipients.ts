import db from '@adonisjs/lucid/services/db'

/**
 * A chunk's recipients (positions `first` up to, not including, `end`) of a job, in position
 * order; the caller selects columns.
 */
export function chunkRecipients(jobId: string, range: { first: number; end: number }) {
  return db
    .from('generation_job_recipients')
    .where('job_id', jobId)
    .where('position', '>=', range.first)
    .where('position', '<', range.end)
    .orderBy('position', 'asc')
}
