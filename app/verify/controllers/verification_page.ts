import type { HttpContext } from '@adonisjs/core/http'
import router from '@adonisjs/core/services/router'
import { appUrl } from '#config/app'
import type {
  PublicStatus,
  Verification,
  VerificationView,
  VerifiedCertificate,
} from '#certificates/queries/verification'
import type { Issuer } from '#certificates/services/issuer_cache'
import { formatDate } from '#core/services/formatting'

/** "2026-03-15" or an instant → "15 March 2026" (the date in UTC, as printed). */
function longDate(value: string | null | undefined) {
  if (!value) return null
  return formatDate(value, { long: true }) || null
}

/**
 * LinkedIn's "Add licence or certification" form, filled in
 * (https://addtoprofile.linkedin.com): months are 1–12, expiry only when
 * the certificate has one. A plain link: nothing of LinkedIn's runs here.
 */
export function linkedInUrl(view: VerificationView, certUrl: string) {
  const [issueYear, issueMonth] = view.issue_date.split('-')
  const params: [string, string][] = [
    ['startTask', 'CERTIFICATION_NAME'],
    ['name', view.title],
    ['organizationName', view.issuer.name],
    ['issueYear', issueYear],
    ['issueMonth', String(Number(issueMonth))],
  ]
  if (view.expiry_date) {
    const [expirationYear, expirationMonth] = view.expiry_date.split('-')
    params.push(
      ['expirationYear', expirationYear],
      ['expirationMonth', String(Number(expirationMonth))]
    )
  }
  params.push(['certUrl', certUrl], ['certId', view.certificate_number])
  return `https://www.linkedin.com/profile/add?${params.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`
}

/** What the status banner and the facts list show, for the token page and the upload result alike. */
export function certificateDetails({ certificate, view }: Verification) {
  return {
    status: view.status,
    title: view.title,
    recipientName: view.recipient_name,
    certificateNumber: view.certificate_number,
    issuerName: view.issuer.name,
    issuedOn: longDate(view.issue_date),
    validUntil: longDate(view.expiry_date),
    revokedOn: longDate(view.revoked_at),
    revocationReason: view.revocation_reason ?? null,
    supersededOn: longDate(certificate.supersededAt?.toISO()),
    supersededByUrl: view.superseded_by_url ?? null,
  }
}

/** The page at `/v/<token>`. Links are built from the token the visitor came with, never from anything else. */
export function verificationPage(
  verification: Verification,
  token: string,
  options: { hasLogo: boolean }
) {
  const url = (name: string) => router.builder().params({ token }).make(name)
  const pdfUrl = url('verify.verification_pdfs.show')
  return {
    ...certificateDetails(verification),
    logoUrl: options.hasLogo ? url('verify.verification_logos.show') : null,
    pdfUrl,
    downloadUrl: `${pdfUrl}?download=1`,
    linkedInUrl:
      verification.view.status === 'valid'
        ? linkedInUrl(verification.view, `${appUrl}${url('verify.verifications.show')}`)
        : null,
  }
}

/**
 * The page of a certificate as last drawn, kept on the certificate's object
 * for as long as the verification cache keeps that object: the page holds
 * nothing of the visitor or the request (the token in its links is the one
 * that found the object), so it is drawn again only when the certificate is
 * read again (a save, or the cache's few seconds), its issuer is read again
 * (a new name or logo) or its public status changes (an expiry passing).
 * A superseded certificate's page names its replacement, read on each
 * request: it is not kept.
 */
const drawnPages = new WeakMap<
  VerifiedCertificate,
  { issuer: Issuer; status: PublicStatus; token: string; html: string }
>()

export async function renderVerificationPage(
  ctx: HttpContext,
  verification: Verification,
  token: string
) {
  const { certificate, issuer } = verification
  const status = verification.view.status
  const drawn = drawnPages.get(certificate)
  if (drawn && drawn.issuer === issuer && drawn.status === status && drawn.token === token) {
    return drawn.html
  }
  // `ctx.view` makes a renderer on first use: a page already drawn needs none.
  const html = await ctx.view.render(
    'pages/verify/verifications/show',
    verificationPage(verification, token, { hasLogo: !!issuer.logo })
  )
  if (status !== 'superseded') drawnPages.set(certificate, { issuer, status, token, html })
  return html
}

/** Every unknown (or pending, or malformed) token gets this: the same status and the same bytes. */
export async function verificationNotFound({ response, view }: HttpContext) {
  response.status(404)
  return view.render('pages/verify/verifications/not_found')
}

/** Who looked, for the verification event (the action hashes the address). */
export const visitorOf = ({ request }: HttpContext) => ({
  ip: request.ip(),
  userAgent: request.header('user-agent') ?? null,
})
