import { BaseSchema } from '@adonisjs/lucid/schema'

/**
 * The verification read-ahead reads the certificates of a job being scanned
 * (a convocation) in keyset pages of 500 by `id`
 * (#certificates/services/verification_cache). With only the `(generation_job_id,
 * status)` index, every page found all the job's rows and sorted them: a
 * 10,000-certificate job cost 20 sorts of 10,000 rows on a web process's event
 * loop. In this index a page is a range read. Built CONCURRENTLY on
 * PostgreSQL, as 0014 is.
 */
const NAME = 'idx_certificates_job_id'

export default class extends BaseSchema {
  static disableTransactions = true

  async up() {
    if (this.db.dialect.name === 'postgres') {
      this.schema.raw(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${NAME} ON certificates (generation_job_id, id)`
      )
      return
    }
    this.schema.alterTable('certificates', (table) => {
      table.index(['generation_job_id', 'id'], NAME)
    })
  }

  async down() {
    this.schema.raw(`DROP INDEX IF EXISTS ${NAME}`)
  }
}
