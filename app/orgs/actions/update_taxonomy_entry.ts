import db from '@adonisjs/lucid/services/db'
import RecordAudit, { type AuditInput } from '#core/actions/record_audit'
import type Organization from '#orgs/models/organization'
import OrganizationTaxonomyOverride from '#orgs/models/organization_taxonomy_override'
import OrgTaxonomy, { type TaxonomyEntry } from '#orgs/queries/org_taxonomy'
import { hasNamed } from '#orgs/actions/add_taxonomy_category'

export interface UpdateTaxonomyEntryInput {
  org: Organization
  entityType: 'category' | 'subcategory'
  id: string
  /** New name; for a global entry, its own name again clears the rename. */
  name?: string
  hidden?: boolean
  actorUserId: string
  origin?: AuditInput['origin']
}

export type UpdateTaxonomyEntryResult =
  | { kind: 'updated'; entry: TaxonomyEntry; changes: ('renamed' | 'hidden' | 'shown')[] }
  | { kind: 'unchanged' }
  | { kind: 'not_found' }
  | { kind: 'duplicate' }

/**
 * Renames, hides or shows a category or subcategory for one org. Global rows
 * are never written: their rename and visibility live in an override row. An
 * org's own rows are renamed in place; their visibility uses the same override.
 */
export default class UpdateTaxonomyEntry {
  static async handle(input: UpdateTaxonomyEntryInput): Promise<UpdateTaxonomyEntryResult> {
    const row =
      input.entityType === 'category'
        ? await OrgTaxonomy.category(input.org, input.id)
        : await OrgTaxonomy.subcategory(input.org, input.id)
    if (!row) return { kind: 'not_found' }

    const taxonomy = await OrgTaxonomy.for(input.org, { includeHidden: true })
    const siblings =
      input.entityType === 'category'
        ? taxonomy
        : (taxonomy.find((category) => category.subcategories.some((sub) => sub.id === row.id))
            ?.subcategories ?? [])
    const current = siblings.find((entry) => entry.id === row.id)
    if (!current) return { kind: 'not_found' }

    const name = input.name?.trim()
    const rename = name !== undefined && name !== current.name
    const hide = input.hidden !== undefined && input.hidden !== current.isHidden
    if (!rename && !hide) return { kind: 'unchanged' }
    if (rename && hasNamed(siblings, name, row.id)) return { kind: 'duplicate' }

    const isOwn = row.organizationId === input.org.id
    const changes: ('renamed' | 'hidden' | 'shown')[] = []
    if (rename) changes.push('renamed')
    if (hide) changes.push(input.hidden ? 'hidden' : 'shown')

    await db.transaction(async (trx) => {
      if (rename && isOwn) {
        row.useTransaction(trx)
        row.name = name
        await row.save()
      }
      if ((rename && !isOwn) || hide) {
        const override =
          (await OrganizationTaxonomyOverride.query({ client: trx })
            .where('organization_id', input.org.id)
            .where('entity_type', input.entityType)
            .where('entity_id', row.id)
            .first()) ??
          new OrganizationTaxonomyOverride().fill({
            organizationId: input.org.id,
            entityType: input.entityType,
            entityId: row.id,
            name: null,
            isHidden: false,
          })
        override.useTransaction(trx)
        if (rename && !isOwn) override.name = name === row.name ? null : name
        if (hide) override.isHidden = input.hidden!
        // An override that changes nothing is removed rather than kept as noise.
        if (override.name === null && !override.isHidden) {
          if (override.$isPersisted) await override.delete()
        } else {
          await override.save()
        }
      }
      await RecordAudit.handle(
        {
          action: `taxonomy.${input.entityType}_updated`,
          organizationId: input.org.id,
          actorUserId: input.actorUserId,
          entityType: `certificate_${input.entityType}`,
          entityId: row.id,
          origin: input.origin,
          metadata: { key: row.key, changes, ...(rename ? { name } : {}) },
        },
        trx
      )
    })

    return {
      kind: 'updated',
      changes,
      entry: {
        ...current,
        name: rename ? name : current.name,
        isHidden: hide ? input.hidden! : current.isHidden,
      },
    }
  }
}
