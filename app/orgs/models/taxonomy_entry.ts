import type { DateTime } from 'luxon'
import { column } from '@adonisjs/lucid/orm'
import type { NormalizeConstructor } from '@adonisjs/core/types/helpers'
import type { AppModel } from '#core/models/app_model'

/**
 * What a category and a subcategory both are: global when `organizationId`
 * is null, otherwise an org's own entry, with a data key, a name and a place
 * in the list.
 */
export function TaxonomyEntry<T extends NormalizeConstructor<typeof AppModel>>(superclass: T) {
  class TaxonomyEntryRow extends superclass {
    @column()
    declare organizationId: string | null

    @column()
    declare key: string

    @column()
    declare name: string

    @column()
    declare sortOrder: number

    @column.dateTime({ autoCreate: true })
    declare createdAt: DateTime
  }
  return TaxonomyEntryRow
}
