/** The small HTML sign-in form behind `GET /.auth/login/dev`. */
export function loginPageHtml(redirect: string, tokenMode: boolean): string {
  const escape = (s: string) =>
    s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign in (local development)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box}input,button{padding:.5rem;margin:.25rem 0 1rem}</style></head>
<body>
<h1>Sign in</h1>
<p>Local App Service Authentication emulation: sign in as any user id. Nothing here is checked against a real
identity provider.</p>
<form method="post" action="/.auth/login/dev">
<label for="userId">User id</label>
<input id="userId" name="userId" required maxlength="64" pattern="[A-Za-z0-9._@\\-]+" autofocus>
<label for="name">Display name (optional)</label>
<input id="name" name="name" maxlength="128">
<input type="hidden" name="post_login_redirect_uri" value="${escape(redirect)}">
${tokenMode ? '<input type="hidden" name="session_mode" value="token">' : ''}
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}
