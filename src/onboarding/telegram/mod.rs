//! Onboarding over Telegram: the registration conversation (`register`), the rider's own
//! settings and data (`privacy`: `/language`, `/privacy`, `/deletemydata`), its dialogue
//! steps (`step`) and button data (`callback`). `/start` itself is the router's (it follows
//! deep links of every capability); it uses [`welcome_back`] and [`keep_link`] from here.

pub mod callback;
pub mod keyboards;
pub mod privacy;
pub mod register;
pub mod step;

use teloxide::prelude::*;
use teloxide::utils::html;

use self::callback::{OnboardingCallback, HEADS};
pub use self::register::{on_message, prompt};
pub use self::step::Step;
use crate::bot::core::callback::CallbackData;
use crate::bot::core::registry::{stay, Audience, Callbacks, Capability, Command};
use crate::bot::core::{Ctx, HandlerResult, HasStep, Next, Outcome};
use crate::config::Config;
use crate::onboarding::store;
use crate::tr;

/// What onboarding registers: `/language`, `/privacy`, `/mydata`, `/deletemydata` and its
/// buttons.
pub fn capability<T: HasStep<Step> + Send + Sync + 'static>(config: &Config) -> Capability<T> {
    Capability::new("onboarding")
        .provide(PrivacySettings {
            photo_retention_days: config.photo_retention_days,
        })
        .command(Command {
            name: "language",
            description: "cmd-language",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, _| Box::pin(stay(privacy::choose_language(ctx))),
        })
        .command(Command {
            name: "privacy",
            description: "cmd-privacy",
            audience: Audience::Everyone,
            registered_only: false,
            // Back to the step in progress, registering or not (as /help).
            run: |ctx, _, _, _| {
                Box::pin(async move {
                    privacy::privacy(ctx).await?;
                    Ok(Next::Resume)
                })
            },
        })
        .command(Command {
            name: "mydata",
            description: "cmd-mydata",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, _| {
                Box::pin(async move {
                    privacy::my_data(ctx).await?;
                    Ok(Next::Resume)
                })
            },
        })
        .command(Command {
            name: "deletemydata",
            description: "cmd-deletemydata",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, _| {
                Box::pin(async move { Ok(privacy::ask_delete(ctx).await?.map(T::from)) })
            },
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: false,
            run: |ctx, state, q, data| {
                Box::pin(
                    async move { Ok(on_callback(ctx, state.step(), q, data).await?.map(T::from)) },
                )
            },
        })
}

/// What `/privacy` says about keeping photos (the reports capability deletes them).
#[derive(Debug, Clone)]
pub struct PrivacySettings {
    pub photo_retention_days: i64,
}

/// The first step of registration: the privacy notice.
pub fn begin() -> Step {
    Step::Consent
}

/// An onboarding button in a private chat.
async fn on_callback(
    ctx: &Ctx,
    step: Option<&Step>,
    q: &CallbackQuery,
    data: &str,
) -> Outcome<Step> {
    let Some(data) = OnboardingCallback::parse(data) else {
        tracing::warn!(chat_id = ctx.chat().0, "unparseable callback data");
        ctx.expired(q).await?;
        return Ok(Next::Ask);
    };
    match (data, step) {
        (OnboardingCallback::Lang(new), step) => privacy::on_language(ctx, step, q, new).await,
        (OnboardingCallback::Consent, Some(Step::Consent)) => register::on_consent(ctx, q).await,
        (OnboardingCallback::Delete(confirmed), Some(Step::ConfirmDelete)) => {
            privacy::on_delete(ctx, q, confirmed).await
        }
        // A real button, but from an earlier step: say so and ask the current question.
        (
            OnboardingCallback::Consent | OnboardingCallback::Delete(_),
            None
            | Some(
                Step::Consent
                | Step::Name
                | Step::Platform { .. }
                | Step::PlatformOther { .. }
                | Step::Phone { .. }
                | Step::ConfirmDelete,
            ),
        ) => {
            ctx.expired(q).await?;
            Ok(Next::Ask)
        }
    }
}

/// `/start` from someone already registered: a greeting with the main menu.
pub async fn welcome_back(ctx: &Ctx) -> HandlerResult {
    let name = html::escape(ctx.user.name.as_deref().unwrap_or_default());
    ctx.send_menu(tr!(ctx.lang(), "already-registered", name = name))
        .await?;
    Ok(())
}

/// Keeps a deep link sent before registering, to follow once registered.
pub async fn keep_link(ctx: &Ctx, payload: &str) -> HandlerResult {
    store::set_pending_payload(&ctx.pool, ctx.user.id, Some(payload)).await?;
    Ok(())
}
