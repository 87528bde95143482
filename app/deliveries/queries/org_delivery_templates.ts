import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type Organization from '#orgs/models/organization'
import { recordId } from '#orgs/queries/record_id'
import DeliveryTemplate from '#deliveries/models/delivery_template'
import {
  BUILT_IN_TEMPLATES,
  builtInDefault,
  type BuiltInTemplate,
  type DeliveryChannel,
} from '#deliveries/services/delivery_template_defaults'
import { BUILT_IN_VARIABLES } from '#deliveries/services/delivery_template_variables'
import {
  contentOfBuiltIn,
  type TemplateContent,
} from '#deliveries/services/delivery_template_rendering'

const VARIABLE_NAME = /^[a-z][a-z0-9_]*$/
/** Enough imports to know an org's columns without reading years of them. */
const IMPORTS_READ = 500

/** An org's delivery templates, reached through the org only. */
export default class OrgDeliveryTemplates {
  static find(org: Organization, id: unknown, trx?: TransactionClientContract) {
    return DeliveryTemplate.query({ client: trx })
      .where('organization_id', org.id)
      .where('id', recordId(id))
      .first()
  }

  static list(org: Organization, channel: DeliveryChannel) {
    return DeliveryTemplate.query()
      .where('organization_id', org.id)
      .where('channel', channel)
      .orderBy('is_default', 'desc')
      .orderBy('name', 'asc')
  }

  static nameTaken(
    org: Organization,
    channel: DeliveryChannel,
    name: string,
    exceptId: string | null,
    trx: TransactionClientContract
  ) {
    const query = trx
      .from('delivery_templates')
      .where('organization_id', org.id)
      .where('channel', channel)
      .where('name', name)
    if (exceptId) query.whereNot('id', exceptId)
    return query.first().then(Boolean)
  }

  /**
   * A channel's page: the org's own templates, the built-in ones it has not
   * customised (matched by language), and which one is sent by default (the
   * org's default row, else the built-in English one, listed even when
   * customised since it is still what goes out).
   */
  static async forChannel(org: Organization, channel: DeliveryChannel) {
    const own = await OrgDeliveryTemplates.list(org, channel)
    const ownLocales = new Set(own.map((template) => template.locale))
    const defaultBuiltInKey = own.some((template) => template.isDefault)
      ? null
      : builtInDefault(channel).key
    const builtIns: BuiltInTemplate[] = BUILT_IN_TEMPLATES.filter(
      (template) =>
        template.channel === channel &&
        (!ownLocales.has(template.locale) || template.key === defaultBuiltInKey)
    )
    return { channel, own, builtIns, defaultBuiltInKey }
  }

  /** What a delivery on this channel sends: the org's default template, else the built-in English one. */
  static async defaultFor(
    org: Organization,
    channel: DeliveryChannel
  ): Promise<{ template: DeliveryTemplate | null; content: TemplateContent }> {
    const template = await DeliveryTemplate.query()
      .where('organization_id', org.id)
      .where('channel', channel)
      .where('is_default', true)
      .first()
    return { template, content: template ?? contentOfBuiltIn(builtInDefault(channel)) }
  }

  /**
   * The variables a template of this org may use: the built-in ones, then
   * every key its imports have filled (`batch_code`, `grade`), which is what
   * a job recipient's data holds.
   */
  static async knownVariables(org: Organization): Promise<string[]> {
    const rows = await db
      .from('file_import_jobs')
      .where('organization_id', org.id)
      .orderBy('created_at', 'desc')
      .limit(IMPORTS_READ)
      .select('mapping')
    const columns = new Set<string>()
    for (const row of rows) {
      const mapping = typeof row.mapping === 'string' ? JSON.parse(row.mapping) : row.mapping
      for (const key of Object.keys(mapping ?? {})) {
        if (VARIABLE_NAME.test(key) && !(BUILT_IN_VARIABLES as readonly string[]).includes(key)) {
          columns.add(key)
        }
      }
    }
    return [...BUILT_IN_VARIABLES, ...[...columns].sort()]
  }
}
