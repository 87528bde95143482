import type { HttpContext } from '@adonisjs/core/http'
import { unhandled } from '#core/services/exhaustive'
import User from '#identity/models/user'
import Profile from '#identity/models/profile'
import InvitationByToken from '#orgs/queries/invitation_by_token'
import AcceptInvitation from '#orgs/actions/accept_invitation'
import { invitationSignUpValidator } from '#orgs/validators/invitation_acceptance'
import { CURRENT_ORG_SESSION_KEY } from '#orgs/middleware/org_context_middleware'
import { originOf } from '#core/http/origin'
// The login page reads this key to send the user back to the invitation after signing in.
import { INTENDED_URL_SESSION_KEY } from '#core/middleware/auth_middleware'

const STATUS_FOR = { unknown: 404, expired: 410, revoked: 410, accepted: 410 } as const

/**
 * GET/POST /join/:token, signed in or out. The link itself is the credential,
 * so every answer is computed from the token's hash, and pages are not cached.
 */
export default class InvitationAcceptancesController {
  async create({ params, auth, view, response, session }: HttpContext) {
    response.header('Cache-Control', 'no-store')
    const token = String(params.token)
    const lookup = await InvitationByToken.find(token)
    if (lookup.kind === 'invalid') {
      response.status(STATUS_FOR[lookup.reason])
      return view.render('pages/orgs/invitation_acceptances/invalid', {
        reason: lookup.reason,
        orgName: lookup.reason === 'unknown' ? null : lookup.invitation?.organization.name,
        signedIn: Boolean(auth.user),
      })
    }

    const invitation = lookup.invitation
    const inviter = invitation.invitedBy ? await Profile.find(invitation.invitedBy) : null
    const user = auth.user as User | undefined
    let variant: 'join' | 'mismatch' | 'login' | 'sign_up'
    if (user) {
      variant = User.normalizeEmail(user.email) === invitation.email ? 'join' : 'mismatch'
    } else if (await User.findBy('email', invitation.email)) {
      variant = 'login'
      session.put(INTENDED_URL_SESSION_KEY, `/join/${token}`)
    } else {
      variant = 'sign_up'
    }
    return view.render('pages/orgs/invitation_acceptances/create', {
      variant,
      token,
      invitation,
      org: invitation.organization,
      role: invitation.role,
      inviterName: inviter?.fullName ?? null,
      signedInEmail: user?.email ?? null,
    })
  }

  async store(ctx: HttpContext) {
    const { params, auth, request, response, session } = ctx
    const token = String(params.token)
    const again = () => response.redirect().toRoute('orgs.invitation_acceptances.create', { token })
    const user = (auth.user as User | undefined) ?? null

    let signUp: { fullName: string; password: string } | undefined
    if (!user) {
      // An account holder must log in rather than fill the sign-up form.
      const lookup = await InvitationByToken.find(token)
      if (lookup.kind === 'invalid') return again()
      if (await User.findBy('email', lookup.invitation.email)) {
        session.put(INTENDED_URL_SESSION_KEY, `/join/${token}`)
        session.flash('error', 'You already have an account: log in to accept the invitation.')
        return response.redirect().toRoute('identity.session.create')
      }
      const data = await request.validateUsing(invitationSignUpValidator, {
        meta: { email: lookup.invitation.email },
      })
      signUp = { fullName: data.full_name, password: data.password }
    }

    const result = await AcceptInvitation.handle({ token, user, signUp, origin: originOf(ctx) })
    switch (result.kind) {
      case 'joined':
        if (!user) await auth.use('web').login(result.user)
        session.forget(INTENDED_URL_SESSION_KEY)
        session.put(CURRENT_ORG_SESSION_KEY, result.org.id)
        session.flash(
          'success',
          `Welcome to ${result.org.name}! You joined as ${result.role.name}.`
        )
        return response.redirect().toRoute('orgs.dashboard.show')
      case 'already_member':
        session.forget(INTENDED_URL_SESSION_KEY)
        session.put(CURRENT_ORG_SESSION_KEY, result.org.id)
        session.flash('success', `You are already a member of ${result.org.name}.`)
        return response.redirect().toRoute('orgs.dashboard.show')
      case 'invalid':
        return again()
      case 'email_mismatch':
        session.flash(
          'error',
          'This invitation was sent to a different email address than the one you are signed in with.'
        )
        return again()
      case 'account_exists':
        session.put(INTENDED_URL_SESSION_KEY, `/join/${token}`)
        session.flash('error', 'You already have an account: log in to accept the invitation.')
        return response.redirect().toRoute('identity.session.create')
      case 'membership_suspended':
        session.flash(
          'error',
          `Your membership in ${result.org.name} is suspended. Ask one of its owners or admins to reactivate it.`
        )
        return again()
      default:
        return unhandled(result)
    }
  }
}
