import db from '@adonisjs/lucid/services/db'
import { deleteObjects, lastModifiedOf, listObjectKeys } from '#core/actions/store_objects'
import { storageKey } from '#core/services/storage_keys'

/** Objects younger than this may belong to a write whose row is about to commit (a reissue in flight). */
const GRACE_MS = 10 * 60_000

/**
 * Deletes the objects under a finished job's `certificates/<org>/<job>/`
 * that no `files` row points at: what an attempt that never committed
 * left behind (a chunk that failed for good after writing its PDFs). Keys
 * are derived from ids, so a retried chunk rewrote its own objects and
 * left nothing; this sweep is the backstop. Runs only once no chunk of
 * the job is in flight, and spares recent objects. A job whose every chunk
 * was done at its first attempt has nothing to sweep and is not listed
 * (listing a 10,000-certificate job costs the event loop ~0.3 s).
 */
export default class SweepJobObjects {
  static async handle(
    job: { id: string; organizationId: string },
    now = Date.now(),
    options: { always?: boolean } = {}
  ): Promise<number> {
    const chunks = () => db.from('generation_job_chunks').where('job_id', job.id)
    const open = await chunks().whereIn('status', ['queued', 'leased']).count('* as n').first()
    if (Number(open?.n ?? 0) > 0) return 0
    const troubled = await chunks()
      .where((query) => query.whereNot('status', 'done').orWhere('attempts', '>', 1))
      .count('* as n')
      .first()
    if (Number(troubled?.n ?? 0) === 0 && !options.always) return 0
    const prefix = `${storageKey({ root: 'certificates', orgId: job.organizationId, parts: [job.id] })}/`
    const keys = await listObjectKeys(prefix)
    if (keys.length === 0) return 0
    const registeredRows = await db
      .from('files')
      .where('organization_id', job.organizationId)
      .whereLike('path', `${prefix}%`)
      .select('path')
    const registered = new Set(registeredRows.map((row) => row.path as string))
    const unregistered = keys.filter((key) => !registered.has(key))
    const written = await lastModifiedOf(unregistered)
    const orphans = unregistered.filter(
      (key) => written.has(key) && now - written.get(key)!.getTime() > GRACE_MS
    )
    await deleteObjects(orphans)
    return orphans.length
  }
}
