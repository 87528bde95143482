import vine, { SimpleMessagesProvider } from '@vinejs/vine'
import { CERTIFICATE_STATUSES } from '#certificates/models/certificate'
import { MAX_REASON } from '#certificates/actions/revoke_certificate'

export const revocationValidator = vine.compile(
  vine.object({ reason: vine.string().trim().maxLength(2000).optional() })
)

export const revocationMessages = new SimpleMessagesProvider({
  'reason.maxLength': `The reason can be at most ${MAX_REASON} characters.`,
})

/** The reissue form: corrected values by key (which keys may change is the action's rule). */
export const reissueFormValidator = vine.compile(
  vine.object({
    changes: vine.record(vine.string().maxLength(2000).nullable().optional()).optional(),
  })
)

const filterFields = {
  q: vine.string().trim().maxLength(200).optional(),
  template_id: vine.string().trim().maxLength(64).optional(),
  category_id: vine.string().trim().maxLength(64).optional(),
  generation_job_id: vine.string().trim().maxLength(64).optional(),
  issued_from: vine.string().trim().maxLength(10).optional(),
  issued_to: vine.string().trim().maxLength(10).optional(),
}

/**
 * The list page's search form: a value it does not know is dropped rather than refused
 * (the controller uses `tryValidate`), so a stale bookmark still shows the list.
 */
export const certificateFiltersValidator = vine.compile(
  vine.object({
    ...filterFields,
    status: vine.string().trim().maxLength(20).optional(),
  })
)

/** `GET /api/v1/certificates`: an unknown status is a 422 naming the allowed ones, never ignored. */
export const apiCertificateFiltersValidator = vine.compile(
  vine.object({
    ...filterFields,
    status: vine.enum(CERTIFICATE_STATUSES).optional(),
  })
)

export const certificateFiltersMessages = new SimpleMessagesProvider({
  'status.enum': `status must be one of: ${CERTIFICATE_STATUSES.join(', ')}.`,
})
