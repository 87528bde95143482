import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'

export default class HealthController {
  async show({ response }: HttpContext) {
    const started = performance.now()
    try {
      // The migrations table: reachable, and the schema is there.
      await db.from('adonis_schema').select('id').first()
      return response.ok({
        status: 'ok',
        database: {
          reachable: true,
          connection: db.primaryConnectionName,
          latency_ms: Math.round(performance.now() - started),
        },
      })
    } catch {
      return response.serviceUnavailable({
        status: 'error',
        database: { reachable: false, connection: db.primaryConnectionName },
      })
    }
  }
}
