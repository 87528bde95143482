import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { BRANDING_ASSET_TYPES } from '#templates/models/branding_asset'

export const brandingAssetValidator = vine.compile(
  vine.object({
    name: vine.string().trim().minLength(1).maxLength(80),
    asset_type: vine.enum(
      Object.keys(BRANDING_ASSET_TYPES) as Array<keyof typeof BRANDING_ASSET_TYPES>
    ),
  })
)

brandingAssetValidator.messagesProvider = new SimpleMessagesProvider({
  'name.required': 'Name the image, like “Principal’s signature”.',
  'name.minLength': 'Name the image, like “Principal’s signature”.',
  'name.maxLength': 'The name can be at most 80 characters.',
  'asset_type.required': 'Choose whether it is a logo, a stamp or a signature.',
  'asset_type.enum': 'Choose whether it is a logo, a stamp or a signature.',
})
