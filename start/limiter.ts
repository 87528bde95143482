/*
| HTTP throttles. Login has its own account+IP and IP limits inside the
| login action (so failures, not attempts, are counted).
*/
import limiter from '@adonisjs/limiter/services/main'

/** Public verification and other anonymous endpoints. */
export const publicThrottle = limiter.define('public', (ctx) => {
  return limiter.allowRequests(60).every('1 minute').usingKey(`ip_${ctx.request.ip()}`)
})

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
