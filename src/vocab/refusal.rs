//! Why upstream refuses this terminal. std + serde only: the fuzz crate compiles it with
//! `sync/replies.rs`.

/// Why upstream refuses this terminal: each is something staff or a technician fixes, not the
/// citizen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// 401, 403: the token or client certificate is not accepted.
    Credentials,
    /// 404, 405, 410 and other 4xx: the base URL does not lead to the platform's interface.
    Address,
    /// An answer that is not the platform's JSON (a proxy's or gateway's HTML page).
    NotThePlatform,
    /// TLS: the server's certificate does not verify against the configured CA.
    Certificate,
    /// [`SAME_REJECTIONS`] submissions in a row rejected for the same reason (the same status and
    /// kind of answer): a gateway, or a change on the platform, rather than each submission's
    /// fault. The rest of the queue is held, not rejected (sync/breaker.rs).
    RepeatedRejection,
}

/// How many rejections in a row with the same reason pause the queue: one or two alike happen
/// (two citizens asking for an item the hall does not offer); a third in a row is a pattern, and
/// at most this many of a backlog are marked rejected by it.
pub const SAME_REJECTIONS: u32 = 3;

impl Refusal {
    /// For the staff screen (in the terminal's language) and the heartbeat (in Chinese).
    pub fn words(self, english: bool) -> &'static str {
        let (zh, en) = match self {
            Refusal::Credentials => (
                "上游拒绝本机凭证",
                "Upstream refuses this terminal's credentials",
            ),
            Refusal::Address => (
                "上游地址不对（找不到接收接口）",
                "Wrong upstream address (no receiving interface there)",
            ),
            Refusal::NotThePlatform => (
                "上游应答不是平台的应答（可能是代理或网关）",
                "The answer is not the platform's (a proxy or gateway?)",
            ),
            Refusal::Certificate => ("上游证书校验失败", "Upstream's certificate does not verify"),
            Refusal::RepeatedRejection => (
                "上游连续以同一原因拒收申请（可能是网关拦截或平台变更）",
                "Upstream keeps rejecting submissions for the same reason (a gateway, or a \
                 change on the platform?)",
            ),
        };
        if english {
            en
        } else {
            zh
        }
    }
}
