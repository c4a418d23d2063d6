//! `/export TABLE [FROM] [TO] [phones]`: the request is parsed and answered at once (a bad
//! date, an unknown table, an export already running), the coordinator check and the audit
//! line are one write transaction, then "preparing…" is sent and the file is built and sent
//! by a task of its own, so the coordinator's chat is not held while a million rows are
//! written. The "preparing…" message is edited to say how it ended.

use chrono::NaiveDate;
use teloxide::payloads::{EditMessageTextSetters, SendDocumentSetters};
use teloxide::prelude::*;
use teloxide::types::{InputFile, MessageId, ParseMode};
use teloxide::utils::html;

use super::ExportSettings;
use crate::bot::core::{Ctx, Explain, HandlerResult};
use crate::exports::domain::{
    self, Ending, ExportError, ExportRequest, Period, RequestError, Table,
};
use crate::exports::file::{self, BuildError, Built, Spec};
use crate::exports::slots::{Busy, Slot, Slots, AT_ONCE};
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::tr;
use crate::users::Refusal;

impl Explain for ExportError {
    fn words(&self, lang: Lang) -> Option<String> {
        match self {
            ExportError::Refused(r) => r.words(lang),
            ExportError::Db(_) => None,
        }
    }
}

/// The answer to a request that was not understood, with an example.
fn request_words(lang: Lang, err: &RequestError, today: NaiveDate) -> String {
    let tables = Table::list();
    match err {
        RequestError::Usage => tr!(lang, "export-usage", tables = tables),
        RequestError::UnknownTable(word) => tr!(
            lang,
            "export-unknown-table",
            word = html::escape(word),
            tables = tables
        ),
        RequestError::BadDate(word) => tr!(lang, "export-bad-date", word = html::escape(word)),
        RequestError::TooManyDates => tr!(lang, "export-too-many-dates"),
        RequestError::Reversed { from, to } => tr!(
            lang,
            "export-reversed",
            from = from.to_string(),
            to = to.to_string()
        ),
        RequestError::Future(day) => tr!(
            lang,
            "export-future",
            day = day.to_string(),
            today = today.to_string()
        ),
        RequestError::PhonesNotRiders => tr!(lang, "export-phones-riders-only"),
    }
}

/// A period as the coordinator reads it.
fn period_words(lang: Lang, p: &Period) -> String {
    match p.from.filter(|_| !p.everything) {
        Some(from) => tr!(
            lang,
            "export-period",
            from = from.to_string(),
            to = p.to.to_string()
        ),
        None => tr!(lang, "export-period-all", to = p.to.to_string()),
    }
}

/// `/export …`.
pub async fn export_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    // The check that counts is in the domain's transaction; this one spares a rider the usage.
    if !ctx.user.is_coordinator() {
        return ctx.refuse(Refusal::NotCoordinator).await;
    }
    let settings = ctx.dep::<ExportSettings>()?.clone();
    let now = ctx.now();
    let today = now.with_timezone(&settings.tz).date_naive();
    let request = match ExportRequest::parse(args, today) {
        Ok(r) => r,
        Err(err) => {
            ctx.send(request_words(lang, &err, today)).await?;
            return Ok(());
        }
    };
    let slot = match ctx.dep::<Slots>()?.take(ctx.user.id) {
        Ok(slot) => slot,
        Err(Busy::Yours) => {
            ctx.send(tr!(lang, "export-busy-yours")).await?;
            return Ok(());
        }
        Err(Busy::Full) => {
            ctx.send(tr!(lang, "export-busy-full", n = AT_ONCE)).await?;
            return Ok(());
        }
    };
    if let Err(err) = domain::authorize(&ctx.pool, ctx.user.id, &request).await {
        return ctx.refuse(err).await;
    }
    let preparing = ctx
        .send(tr!(
            lang,
            "export-preparing",
            file = request.file_name(),
            period = period_words(lang, &request.period)
        ))
        .await?;
    tracing::info!(
        user_id = ctx.user.id.0,
        table = request.table.as_str(),
        phones = request.phones,
        "export started"
    );
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&ctx, slot, settings, request, preparing.id).await {
            tracing::error!(user_id = ctx.user.id.0, error = %e, "export not finished");
        }
    });
    Ok(())
}

/// Builds and sends the file, records how it ended, and edits "preparing…" to say so. The
/// slot is held until the file is sent or given up; the file is removed however it ends.
async fn run(
    ctx: &Ctx,
    slot: Slot,
    settings: ExportSettings,
    request: ExportRequest,
    preparing: MessageId,
) -> HandlerResult {
    let spec = Spec {
        request,
        tz: settings.tz,
        now: ctx.now(),
    };
    let built = file::build(&ctx.pool, &spec, &settings.dir, settings.max_document_bytes).await;
    let (ending, text) = deliver(ctx, &spec, built, settings.max_document_bytes).await;
    drop(slot);
    if let Ending::Sent { rows, bytes, .. } = &ending {
        tracing::info!(user_id = ctx.user.id.0, rows, bytes, "export sent");
    }
    // The coordinator is told even if the audit line cannot be written (that is then logged).
    let audited = domain::record_ending(&ctx.pool, ctx.user.id, &request, &ending).await;
    call(
        ctx.bot
            .edit_message_text(ctx.chat(), preparing, text)
            .parse_mode(ParseMode::Html),
    )
    .await?;
    audited?;
    Ok(())
}

/// Sends what was built, or says why there is nothing to send: how it ended, in the
/// coordinator's words. The file is dropped (removed) here.
async fn deliver(
    ctx: &Ctx,
    spec: &Spec,
    built: Result<Built, BuildError>,
    limit: u64,
) -> (Ending, String) {
    let lang = ctx.lang();
    let request = spec.request;
    let limit_mb = limit / (1024 * 1024);
    match built {
        Ok(built) if built.rows == 0 => (
            Ending::Empty,
            tr!(
                lang,
                "export-empty",
                table = request.table.as_str(),
                period = period_words(lang, &request.period)
            ),
        ),
        Ok(built) => match send(ctx, spec, &built).await {
            Ok(()) => {
                let text = if built.zipped {
                    tr!(
                        lang,
                        "export-ready-zipped",
                        file = built.name.clone(),
                        rows = built.rows,
                        limit = limit_mb
                    )
                } else {
                    tr!(
                        lang,
                        "export-ready",
                        file = built.name.clone(),
                        rows = built.rows
                    )
                };
                let ending = Ending::Sent {
                    rows: built.rows,
                    bytes: built.bytes,
                    zipped: built.zipped,
                };
                (ending, text)
            }
            Err(e) => {
                tracing::error!(user_id = ctx.user.id.0, error = %e, "export not sent");
                (Ending::Failed, tr!(lang, "export-failed"))
            }
        },
        Err(BuildError::TooLarge { bytes }) => (
            Ending::TooLarge { bytes },
            tr!(
                lang,
                "export-too-large",
                size = bytes.div_ceil(1024 * 1024),
                limit = limit_mb
            ),
        ),
        Err(e) => {
            tracing::error!(user_id = ctx.user.id.0, error = %e, "export not built");
            (Ending::Failed, tr!(lang, "export-failed"))
        }
    }
}

/// Sends the file as a document, streamed from disk, with what it holds in the caption.
async fn send(ctx: &Ctx, spec: &Spec, built: &Built) -> Result<(), teloxide::RequestError> {
    let lang = ctx.lang();
    let request = spec.request;
    let mut caption = tr!(
        lang,
        "export-caption",
        table = request.table.as_str(),
        period = period_words(lang, &request.period),
        rows = built.rows,
        tz = spec.tz.name()
    );
    if request.phones {
        caption.push('\n');
        caption.push_str(&tr!(lang, "export-caption-phones"));
    }
    let document = InputFile::file(built.file.path()).file_name(built.name.clone());
    call(
        ctx.bot
            .send_document(ctx.chat(), document)
            .caption(caption)
            .parse_mode(ParseMode::Html),
    )
    .await?;
    Ok(())
}
