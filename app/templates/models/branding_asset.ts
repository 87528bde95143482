import type { DateTime } from 'luxon'
import { belongsTo, column } from '@adonisjs/lucid/orm'
import type { BelongsTo } from '@adonisjs/lucid/types/relations'
import { AppModel } from '#core/models/app_model'
import StoredFile from '#core/models/stored_file'

export const BRANDING_ASSET_TYPES = {
  logo: 'Logo',
  stamp: 'Stamp or seal',
  signature: 'Signature',
} as const

export type BrandingAssetType = keyof typeof BRANDING_ASSET_TYPES

/** Storage folder per type: `org_branding/<org>/logos/<asset>.png`. */
export const BRANDING_FOLDERS: Record<BrandingAssetType, string> = {
  logo: 'logos',
  stamp: 'stamps',
  signature: 'signatures',
}

/**
 * A logo, stamp or signature of an org, usable as an image field. Removing
 * one only hides it (`deletedAt`): template versions that draw it keep it.
 */
export default class BrandingAsset extends AppModel {
  static table = 'organization_branding_assets'

  @column()
  declare organizationId: string

  @column()
  declare fileId: string

  @column()
  declare assetType: BrandingAssetType

  @column()
  declare name: string

  @column()
  declare widthPx: number

  @column()
  declare heightPx: number

  @column()
  declare createdBy: string | null

  @column.dateTime({ autoCreate: true })
  declare createdAt: DateTime

  @column.dateTime()
  declare deletedAt: DateTime | null

  @belongsTo(() => StoredFile, { foreignKey: 'fileId' })
  declare file: BelongsTo<typeof StoredFile>
}
