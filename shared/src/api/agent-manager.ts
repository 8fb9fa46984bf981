import { z } from "zod";

/** POST /api/v1/manager/session: a manager signs in with their id and PIN. */
export const ManagerSignInSchema = z.object({
  managerId: z.string().min(1, "managerId is required").max(64),
  pin: z.string().min(1, "pin is required").max(64),
});
export type ManagerSignIn = z.infer<typeof ManagerSignInSchema>;

/** POST (201) and GET /api/v1/manager/session: who is signed in, until when (the session rides an HttpOnly cookie). */
export const ManagerSessionSchema = z.object({
  managerId: z.string(),
  name: z.string(),
  expiresAt: z.string(),
});
export type ManagerSessionBody = z.infer<typeof ManagerSessionSchema>;

/** DELETE /api/v1/manager/session. */
export const ManagerSignedOutSchema = z.object({ signedOut: z.literal(true) });
export type ManagerSignedOut = z.infer<typeof ManagerSignedOutSchema>;
