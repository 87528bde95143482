/*
| HTTP throttles. Login has its own account+IP and IP limits inside the
| login action (so failures, not attempts, are counted); public verification
| its own, in memory, in #certificates/services/verification_throttle.
*/
import limiter from '@adonisjs/limiter/services/main'
import uploads from '#config/uploads'

/** Forms that send mail (password reset, invitation resend). */
export const mailThrottle = limiter.define('mail', (ctx) => {
  return limiter.allowRequests(5).every('15 minutes').usingKey(`mail_${ctx.request.ip()}`)
})

/** Invitations and resends: generous per signed-in user, still a cap on mail abuse. */
export const invitationThrottle = limiter.define('invitations', (ctx) => {
  return limiter
    .allowRequests(60)
    .every('1 hour')
    .usingKey(`invite_${ctx.auth.user?.id ?? ctx.request.ip()}`)
})

/**
 * Template and branding uploads: each is parsed in a child process of its
 * own (a few at once per process, `FILE_PROCESSING_CONCURRENCY`), so one
 * organization or one address sending many at once is refused rather than
 * queued behind everyone else. The address allows three organizations'
 * worth, as an office shares one.
 */
const UPLOADS_PER_MINUTE = uploads.throttlePerMinute

export const uploadsPerOrgThrottle = limiter.define('uploads_org', (ctx) => {
  const org = ctx.org ?? ctx.apiOrg
  return limiter
    .allowRequests(UPLOADS_PER_MINUTE)
    .every('1 minute')
    .usingKey(`uploads_org_${org?.id ?? ctx.request.ip()}`)
    .limitExceeded((error) =>
      error.setMessage(
        `Your organization has sent ${UPLOADS_PER_MINUTE} files in the last minute, the most we process at once. Wait a minute, then upload the rest.`
      )
    )
})

export const uploadsPerIpThrottle = limiter.define('uploads_ip', (ctx) => {
  return limiter
    .allowRequests(UPLOADS_PER_MINUTE * 3)
    .every('1 minute')
    .usingKey(`uploads_ip_${ctx.request.ip()}`)
    .limitExceeded((error) =>
      error.setMessage(
        `${UPLOADS_PER_MINUTE * 3} files have been sent from your network address in the last minute, the most we process at once. Wait a minute, then upload the rest.`
      )
    )
})
