import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import DeliverySuppression from '#deliveries/models/delivery_suppression'
import { normalizedAddress } from '#deliveries/services/delivery_status'
import type { Channel } from '#deliveries/services/providers'

/** An org's suppression list (addresses it must not send to); another org's id finds nothing. */
const OrgDeliverySuppressions = {
  /** Newest first (id breaking ties), optionally of one channel or matching part of an address. */
  list(org: Organization, filters: { channel?: Channel; q?: string } = {}) {
    const query = DeliverySuppression.query().where('organization_id', org.id)
    if (filters.channel) query.where('channel', filters.channel)
    if (filters.q) {
      const needle = filters.q
        .trim()
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)
      query.whereRaw(`address like ? escape '\\'`, [`%${needle}%`])
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc')
  },

  find(org: Organization, id: unknown, client?: TransactionClientContract) {
    return DeliverySuppression.query(client ? { client } : {})
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .first()
  },

  findAddress(
    org: Organization,
    channel: Channel,
    address: string,
    client?: TransactionClientContract
  ) {
    return DeliverySuppression.query(client ? { client } : {})
      .where('organization_id', org.id)
      .where('channel', channel)
      .where('address', normalizedAddress(channel, address))
      .first()
  },
}

export default OrgDeliverySuppressions
