import { channelCredentialsSuite } from "./channel-credentials.suite.ts";

channelCredentialsSuite("postgres");
