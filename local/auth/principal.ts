/** The App Service Authentication principal, in the shape App Service injects into requests. */
export type SignedInUser = { userId: string; name: string; identityProvider: string };

export const CLAIM_NAME_IDENTIFIER = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier';
export const CLAIM_NAME = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name';
export const CLAIM_ROLE = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

export function userClaims(user: SignedInUser): { typ: string; val: string }[] {
  return [
    { typ: CLAIM_NAME_IDENTIFIER, val: user.userId },
    { typ: CLAIM_NAME, val: user.name },
    { typ: 'name', val: user.name },
  ];
}

/** `x-ms-client-principal*` headers as App Service sets them for a signed-in request. */
export function principalHeaders(user: SignedInUser): Record<string, string> {
  const principal = {
    auth_typ: user.identityProvider,
    claims: userClaims(user),
    name_typ: CLAIM_NAME,
    role_typ: CLAIM_ROLE,
  };
  return {
    'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64'),
    'x-ms-client-principal-id': user.userId,
    'x-ms-client-principal-name': user.name,
    'x-ms-client-principal-idp': user.identityProvider,
  };
}

/** Headers only App Service may set: anything a client sends under these names is removed. */
export function isPlatformIdentityHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith('x-ms-client-principal') || lower.startsWith('x-ms-token-');
}
