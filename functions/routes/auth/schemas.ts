/** Request and response shapes shared by the /v1/auth endpoints. */
import { z } from "@hono/zod-openapi";
import { issueToken, type TokenConfig } from "../../lib/auth/tokens";
import type { RpcRow } from "../../lib/db/port";
import type { AuthUserRow } from "../../middleware/auth";

/** Trimmed, Unicode NFC, lower case: the one form stored and looked up, so Ana@X.org and ana@x.org are one account. */
export const Email = z
  .string()
  .max(320)
  .transform((v) => v.trim().normalize("NFC").toLowerCase())
  .pipe(z.email("must be an email address").max(254))
  .openapi({ example: "ana@example.org", description: "Compared case-insensitively (stored trimmed, lower case)." });

export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 256;
// NUL ends a C string: any system the password later meets (a password manager, a PAM module) may truncate there.
const NUL = /\0/;

export const NewPassword = z
  .string()
  .min(MIN_PASSWORD, `must be at least ${MIN_PASSWORD} characters`)
  .max(MAX_PASSWORD, `must be at most ${MAX_PASSWORD} characters`)
  .refine((v) => v.trim().length > 0, "must not be only spaces")
  .refine((v) => !NUL.test(v), "must not contain NUL characters")
  .openapi({ example: "correct horse battery staple", format: "password" });

/** A password being checked (login, confirmations): any existing one, but never one no account can have. */
export const GivenPassword = z
  .string()
  .min(1)
  .max(MAX_PASSWORD)
  .refine((v) => !NUL.test(v), "must not contain NUL characters")
  .openapi({ format: "password" });

// Control characters would corrupt anything that prints a name (logs, e-mails, terminals).
const CONTROL = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

export const DisplayName = z
  .string()
  .transform((v) => v.trim().normalize("NFC"))
  .pipe(
    z
      .string()
      .min(1, "must not be blank")
      .max(100, "must be at most 100 characters")
      .refine((v) => !CONTROL.test(v), "must not contain control characters"),
  )
  .openapi({ example: "Ana" });

export const Username = z
  .string()
  .regex(/^[A-Za-z0-9_]{3,30}$/, "must be 3 to 30 letters, digits or underscores")
  .openapi({ example: "ana_films", description: "Unique, compared case-insensitively." });

export const User = z
  .object({
    id: z.uuid(),
    email: z.string(),
    username: z.string().nullable(),
    displayName: z.string(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User");

export const Session = z
  .object({
    accessToken: z.string().openapi({ description: "HS256 JWT; send as `Authorization: Bearer <token>`." }),
    tokenType: z.literal("Bearer"),
    expiresIn: z.number().int().openapi({ description: "Seconds until the token expires." }),
    expiresAt: z.string().openapi({ format: "date-time" }),
    user: User,
  })
  .openapi("Session");

export function toUser(row: AuthUserRow): z.infer<typeof User> {
  return {
    id: String(row.id),
    email: String(row.email),
    username: row.username,
    displayName: String(row.display_name),
    createdAt: new Date(String(row.created_at)).toISOString(),
  };
}

export async function sessionFor(config: TokenConfig, row: AuthUserRow): Promise<z.infer<typeof Session>> {
  const { token, expiresAt } = await issueToken(config, String(row.id), undefined, Number(row.token_version ?? 0));
  return {
    accessToken: token,
    tokenType: "Bearer",
    expiresIn: config.JWT_TTL_SECONDS,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
    user: toUser(row),
  };
}

/** An IANA time zone name the runtime knows (Intl); the database checks it against its own list too. */
export const TimeZone = z
  .string()
  .min(1)
  .max(64)
  .refine((v) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: v });
      return /^[A-Za-z0-9_+\-/]+$/.test(v);
    } catch {
      return false;
    }
  }, "must be an IANA time zone name such as Europe/Lisbon or UTC")
  .openapi({ example: "Europe/Lisbon" });

export const Profile = User.extend({
  timeZone: z.string().openapi({
    example: "UTC",
    description: "IANA time zone: a stored recommendation list (the batches) expires at midnight there.",
  }),
  matchable: z.boolean().openapi({
    description:
      "Opted in to taste matching: other users may see your display name and username as a match (never your email), and you see yours. Off for new accounts.",
  }),
  publicProfile: z.boolean().openapi({
    description: "Your username is public: the username endpoints (/api/...) may find you. Needs a username.",
  }),
}).openapi("Profile");

export function toProfile(row: RpcRow<"get_profile">): z.infer<typeof Profile> {
  return {
    ...toUser({ ...row, token_version: 0 } as AuthUserRow),
    timeZone: String(row.time_zone),
    matchable: Boolean(row.matchable),
    publicProfile: Boolean(row.public_profile),
  };
}
