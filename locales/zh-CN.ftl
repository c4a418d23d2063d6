# rider-bot，简体中文（默认语言）。这里的每个键也必须在 en.ftl 中存在（有测试检查）。
# 文本以 parse_mode HTML 发送：只用 <b>、<i>、<code> 和转义过的用户输入。

## 主菜单
menu-nearest = 📍 最近的驿站
menu-services = 🎁 免费服务
menu-report = 📸 随手拍上报
menu-points = 💰 我的积分
main-menu-prompt = 需要什么帮助？请点下面的按钮。
btn-cancel = ✖️ 取消


## 对话
cancelled = 已取消，回到主菜单。
cancelled-unregistered = 已停止注册，除语言外未保存任何信息。准备好了随时发送 /start。
nothing-to-cancel = 没有需要取消的操作。
dialogue-expired = ⏱ 上一步等待太久，已自动关闭。我们从这里继续。
dialogue-reset = 🙏 抱歉：机器人刚刚更新，没能接上刚才的步骤。请从菜单重新开始。
unexpected-input = 这里用不了这个。
idle-unknown = 没看明白。请点下面的按钮，或发送 /help。
button-expired = 这个按钮已失效。
unknown-command = 不认识这个命令。发送 /help 查看可用功能。
error-try-again = 抱歉，系统出了点问题，请稍后再试。
group-private-only = 请在私聊中和我对话。

## 帮助
help =
    <b>骑手小助手</b>：暖“新”驿站、免费服务、随手拍上报和爱“新”存折。

    /start：注册，或打开主菜单
    /language：中文 / English
    /notifications：开启或关闭通知与附近提醒
    /privacy：我们保存了什么、为什么
    /mydata：以文件形式获取我的信息
    /deletemydata：删除我的个人信息
    /cancel：取消当前操作
    /services：免费服务：报名、取消、导航
    /report：拍照上报街面问题
    /myreports：我的上报及进度
    /feedback：向街道反映需求（文字、照片或语音）
    /points：我的积分、记录和兑换
    /leaderboard：本月贡献榜
    /station &lt;编号&gt;：查看驿站详情并导航
    /help：查看本列表
help-coordinator =
    <b>工作人员命令</b>
    /redeem &lt;兑换码&gt;：确认发放礼品
    /adjust &lt;骑手&gt; &lt;+N|-N&gt; &lt;原因&gt;：调整积分（留痕）
    /passbook &lt;骑手&gt;：查看骑手的积分记录
    /appoint &lt;用户 ID 或 @用户名&gt;：任命骑手为兼职网格员（也可回复其转发的消息）
    /revoke &lt;用户 ID 或 @用户名&gt;：撤销网格员身份
    /station &lt;站点编号&gt; close [until 18:00 | 2026-12-01 18:00] [原因]：临时关闭站点
    /station &lt;站点编号&gt; open：重新开放
    /coverage [22:00]：辖区内 10 分钟电动车程内有开放站点的比例（现在及指定时间）
    /broadcast：向全部骑手、某平台、某站点附近、某场活动的报名者或网格员发送通知（文字或照片）；/broadcasts：最近的通知及送达情况
    /feedback：骑手的待处理反馈（在群里回复该条即可答复）；/feedback F-000123 close 关闭
    /reports：待处理的上报
    /report R-000123 [accept | reject 原因 | route 部门 | resolve | duplicate R-000100]：不在群里也能处理上报
    /session 场次编号：查看报名名单和可打印的签到二维码；/session 场次编号 cancel 原因：取消场次并通知报名者
    /checkin 场次编号 骑手：为骑手（或现场来的骑手）签到

## 命令菜单
cmd-start = 注册或打开主菜单
cmd-help = 查看功能说明
cmd-cancel = 取消当前操作
cmd-language = 中文 / English
cmd-privacy = 我们保存了什么、为什么
cmd-mydata = 以文件形式获取我的信息
cmd-deletemydata = 删除我的个人信息
cmd-appoint = 任命兼职网格员
cmd-revoke = 撤销兼职网格员

## 注册
privacy-notice =
    👋 欢迎！这是街道为外卖骑手和快递小哥提供服务的机器人。

    <b>隐私说明</b>
    注册时我们会保存：
    • 您的<b>姓名</b>，方便工作人员认识您；
    • 您所在的<b>平台或快递公司</b>，用于为不同骑手群体安排服务；
    • 您的<b>手机号</b>，仅用于就您的上报、报名和兑换联系您；
    • 您的 Telegram ID 和语言，用于回复您。
    位置和照片只用于您随之发送的那次请求（如您在 /notifications 中开启附近提醒，则保存您最近一次分享位置所在的区域 30 天）。我们不会把您的信息提供给街道服务团队以外的人：转交城市相关部门的上报只包含问题、地点和照片，不包含上报人。上报办结数月后其照片会被删除（具体天数见 /privacy）。您可以随时用 /privacy 查看我们保存的信息，用 /mydata 获取副本，用 /deletemydata 删除。

    点击<b>同意</b>继续。
btn-accept = ✅ 同意
btn-switch-lang = English
consent-needed = 请点击说明下方的<b>同意</b>继续，或发送 /cancel。
ask-name = 怎么称呼您？请输入姓名，或点下面的 Telegram 名字。
name-too-long = 超过 64 个字了，请发送短一点的名字。
name-invalid = 名字不能为空，也不能以“/”开头。请输入您的姓名。
ask-platform = 您在哪个平台或快递公司跑单？
platform-eleme = 饿了么
platform-meituan = 美团
platform-sf = 顺丰
platform-zto = 中通
platform-yto = 圆通
platform-yunda = 韵达
platform-jd = 京东
platform-other = 其他…
ask-platform-other = 请输入您所在平台或公司的名称。
platform-invalid = 请发送 1 到 40 个字的公司名称。
ask-phone = 最后一步：点击下方<b>分享我的手机号</b>。工作人员只会就您的上报、报名和兑换联系您。
btn-share-phone = 📱 分享我的手机号
phone-not-own = 这是别人的联系人。请用下方按钮分享您自己的手机号。
phone-use-button = 请用下方按钮分享手机号，不用手动输入。
phone-invalid = 收到的号码无法识别，请再点一次按钮。
welcome-registered = 🎉 欢迎您，<b>{ $name }</b>！注册成功。
already-registered = 您已经注册过了，<b>{ $name }</b>。
deeplink-unknown = 无法识别这个链接里的编码。如果是在驿站扫的码，请咨询现场工作人员。

## 语言
language-choose = 请选择语言：
language-set = 语言：中文。

## 隐私与删除
privacy-held = <b>我们目前保存的您的信息</b>
    姓名：{ $name }
    平台：{ $platform }
    手机号：{ $phone }
privacy-held-nothing = 除 Telegram ID 和语言外，我们没有保存您的任何信息。
delete-confirm = 这将删除您的姓名、手机号和平台；放弃您已报名的服务名额和候补位置（由后面排队的骑手递补）；取消未核销的积分兑换（物品退回库存）；退出排行榜；积分随账户一并清除。您提交的问题上报会作为街面问题的记录保留，积分记录仅作为数额保留，都不再与您关联。确定删除吗？
privacy-held-title = <b>我们目前保存的与您有关的信息</b>
privacy-held-line = • { $kind }：{ $count }
held-profile = 个人资料（姓名、平台、手机号）
held-audit = 协调员对您的操作记录（审计记录）
held-reports = 您提交的街面问题上报
held-photos = 上报附带的照片
held-draft-photos = 尚未提交的上报中的照片
held-signups = 服务报名
held-ledger = 积分存折记录
held-redemptions = 积分兑换
held-dialogue = 尚未完成的对话中您填写的内容
held-leaderboard = 在排行榜上显示姓名
privacy-retention = 上报办结 { $days } 天后，机器人保存的照片会被删除；上报本身保留。已发到工作人员群里的照片由工作人员自行清理。
privacy-mydata = 发送 /mydata 可获取全部信息的文件；发送 /deletemydata 可删除。
mydata-caption = 我们保存的与您有关的全部信息。文件含您的手机号，请妥善保管。
delete-done-title = 已完成：您的个人信息已删除。
delete-done-end = 发送 /start 可以重新注册，一切从头开始。
erased-profile = 您的姓名、手机号、平台和用户名已删除。
erased-audit = { $n } 条与您有关的审计记录不再指向您。
erased-signups = 已放弃 { $n } 个服务报名，名额由排队的下一位骑手递补。
erased-attendance-kept = { $n } 次过往参加记录作为统计数字保留，不带姓名。
erased-redemptions = 已取消 { $n } 个未核销的兑换，物品已退回库存。
erased-leaderboard = 您已退出排行榜。
erased-ledger-kept = { $n } 条积分记录仅作为匿名数额保留，以便街道的总数对得上。
erased-reports-kept = { $n } 条上报作为街面问题的记录保留，提交人信息已删除。
erased-draft-photos = 已删除 { $n } 张尚未提交的上报照片。
btn-delete-yes = 🗑 确定删除
btn-delete-no = 保留我的信息
delete-done = 已完成：您的个人信息已删除。发送 /start 可以重新注册。
delete-kept = 未删除任何信息。
delete-nothing = 我们没有保存您的个人信息；尚未完成的对话中您填写的内容已清除。

## 角色
appoint-usage = 请发送 /appoint 加用户 ID 或 @用户名，或回复骑手转发的消息并发送 /appoint。
revoke-usage = 请发送 /revoke 加用户 ID 或 @用户名，或回复骑手转发的消息并发送 /revoke。
forward-hidden = 该骑手在转发消息中隐藏了账号，请改用其用户 ID 或 @用户名。
appoint-done = { $who } 已成为兼职网格员。
revoke-done = { $who } 已不再是兼职网格员。
you-were-appointed = 🦺 您已被任命为<b>兼职网格员</b>，您的上报会带上这个身份。谢谢您！
you-were-revoked = 您的兼职网格员身份已撤销，感谢您的付出！
role-not-coordinator = 只有工作人员可以这样做。
role-unknown-user = 不认识这个用户，请对方先向机器人发送 /start。
role-not-registered = 该用户还没有完成注册。
role-already-officer = { $who } 已经是兼职网格员了。
role-not-officer = { $who } 不是兼职网格员。
role-target-coordinator = 工作人员的身份由配置（COORDINATOR_IDS）决定。
someone = 用户 { $id }

## Stations
stations-header = 📍 <b>离你最近的暖“新”驿站</b>（{ $radius }内）
stations-header-need = 📍 <b>最近的提供{ $need }的驿站</b>（{ $radius }内）
stations-none-within = 😔 你周围 { $radius } 内没有驿站。最近的一个在 { $distance } 外：
stations-none-within-need = 😔 { $radius } 内没有提供{ $need }的驿站。最近的一个在 { $distance } 外：
stations-none-with-need = 😔 暂时还没有驿站提供{ $need }。点 ✅ 查看全部驿站。
stations-empty = 街道还在录入驿站信息，请稍后再试。
stations-far-away = 🌏 你好像离本街道很远，定位是否正确？
stations-no-more = { $radius } 内没有更多驿站了。
stations-share-hint = 找最近的驿站需要你的位置：在手机上点“📍 最近驿站”并允许定位，或通过 📎 → 位置 发送。
station-distance = { $distance } · 🛵 { $minutes } 分钟
station-open-until = 🟢 营业中 · { $time } 关门
station-open-always = 🟢 24 小时开放
station-closed-until = 🔴 已关门 · { $time } 开门
station-closed = 🔴 已关门
station-unknown = ⚪ 目前开放时间不确定
station-closed-temporarily = ⛔ 临时关闭
station-closed-temporarily-until = ⛔ 临时关闭至 { $time }
station-parking = 🅿️ { $spots } 个骑手车位
station-opens-before-arrival = 🟢 { $time } 开门，你到时已开门
station-closes-after-arrival = 🟠 { $time } 关门，你到后 { $minutes } 分钟就关门
station-closes-before-arrival = 🔴 { $time } 关门，你到之前就关门了
station-mark-24h = 🌙 24小时
station-reopens = { $time } 开门
stations-none-within-need-open = 😔 { $radius } 内没有提供{ $need }的驿站。最近的开放驿站在 { $distance } 外：
stations-header-open = 📍 <b>你到达时开放的驿站</b>（{ $radius }内）
stations-none-within-open = 😔 你周围 { $radius } 内没有驿站。最近的开放驿站在 { $distance } 外：
stations-none-open-anywhere = 😔 你到达时没有开放的驿站。点 ✅ 查看全部驿站。
stations-none-open = 🌙 { $radius } 内的驿站在你到达时都不开放。
stations-open-beyond = 最近的开放驿站：<b>{ $name }</b>，{ $distance } · 🛵 { $minutes } 分钟（见下方 🧭 按钮）。
stations-opens-first = 附近最早开门：{ $name }，{ $time }。
stations-filter-open = 🟢 现在开放
btn-navigate-open = 🧭 { $name }（开放中）
time-tomorrow = 明天 { $time }
time-weekday = { $day ->
    [1] 周一
    [2] 周二
    [3] 周三
    [4] 周四
    [5] 周五
    [6] 周六
   *[7] 周日
} { $time }
distance-m = { $m } 米
distance-km = { $km } 公里
service-word = { $service ->
    [shelter] 避暑取暖
    [charging] 充电
    [water] 饮水
    [meals] 餐食
    [toilet] 厕所
    [health] 健康
    [medicine] 药品
    [parking] 停车
    [microwave] 微波炉
    [reading] 阅读
    [legal] 法律咨询
   *[counselling] 心理疏导
}
btn-navigate = 🧭 { $n }. { $name }
btn-navigate-one = 🧭 导航
btn-more = 更多 ▸
btn-first-page = ◂ 最近的
station-not-found = 没有编号为 { $code } 的驿站。
station-usage = 用法：/station &lt;编号&gt; 查看驿站。协调员：/station &lt;编号&gt; close [until 18:00 | until 2026-12-01 18:00] [原因]，或 /station &lt;编号&gt; open。
station-bad-time = “{ $time }”不是有效时间。请写 until 18:00、until 2026-12-01 或 until 2026-12-01 18:00。
station-reason-too-long = 原因太长，最多 { $max } 个字。
station-until-past = 这个时间已经过去了，请给一个将来的时间。
station-closed-done = ⛔ { $name }（{ $code }）已临时关闭，直到用 /station { $code } open 重新开放。骑手立即可见。
station-closed-done-until = ⛔ { $name }（{ $code }）已临时关闭至 { $time }。骑手立即可见。
station-reopened = ✅ { $name }（{ $code }）已重新开放。
coverage-usage = 用法：/coverage，或 /coverage 22:00 与另一时间对比。
coverage-head = 📊 <b>{ $minutes } 分钟服务圈</b>（电动车 { $speed } 公里/小时：{ $reach }）
coverage-area = { $stations } 个驿站 · { $points } 个采样点，间距 { $spacing }
coverage-share = { $time }：辖区 <b>{ $percent }%</b> 在开放驿站的服务圈内
coverage-share-now = 现在（{ $time }）：辖区 <b>{ $percent }%</b> 在开放驿站的服务圈内
coverage-worst = 目前覆盖最差的地点：
coverage-spot = 距最近的开放驿站 { $distance }（{ $minutes } 分钟）
coverage-spot-none = 附近没有开放的驿站
coverage-map-caption = 当前覆盖：绿色 ≤ 5 分钟，浅绿 ≤ 10，橙色 ≤ 15，红色更远。蓝点：开放的驿站；黑点：关闭的驿站。
cmd-station = 查看、关闭或重新开放驿站
cmd-coverage = 测量 10 分钟服务圈

## Points passbook
points-head = 💰 <b>我的爱“新”存折</b>：可用 <b>{ $balance }</b> 分
points-held = ⏳ { $count } 笔兑换待领取，冻结 { $points } 分
points-empty = 还没有记录。随手拍上报问题、参加为民服务日都能攒积分。
points-latest = 最近记录：
entry-report = ✅ 上报 { $source } 被受理
entry-attendance = 🎁 参加 { $source }
entry-hold = 🎟 兑换 { $reward }（兑换码 { $code }）
entry-refund = ↩️ { $reward } 未领取（兑换码 { $code }），积分退回
entry-adjustment = ✏️ 工作人员调整：{ $reason }
entry-expiry = ⌛ 积分过期
btn-history = 📜 全部记录
btn-rewards = 🎁 兑换礼品
btn-leaderboard = 🏆 排行榜
btn-leaderboard-show = 👁 在榜上显示我
btn-leaderboard-hide = 🙈 隐藏我的名字
btn-back-points = ◂ 我的积分
history-head = 📜 <b>全部记录</b>（第 { $page }/{ $pages } 页，最新在前）：
history-no-page = 这一页已经不存在了。
rewards-head = 🎁 <b>兑换礼品</b>：你有 { $balance } 分，点一个即可兑换。
rewards-none = 目前没有可兑换的礼品。
reward-button = { $reward } · { $cost } 分（剩 { $stock }）
reward-button-out = { $reward } · { $cost } 分（已兑完）
reward-unknown = 这个礼品已不再提供。
reward-out-of-stock = 抱歉，这个礼品已经兑完了。
reward-not-enough = 你有 { $balance } 分，这个礼品需要 { $cost } 分。
redeem-confirm = 用 <b>{ $cost }</b> 分兑换 <b>{ $reward }</b>？
    积分将先冻结。请在 { $days } 天内向工作人员出示兑换码领取；逾期未领，积分自动退回。
btn-redeem-confirm = ✅ 兑换
btn-redeem-cancel = ✖️ 先不了
redeem-done = 🎟 <b>{ $reward }</b>：你的兑换码是 <code>{ $code }</code>
    已冻结 { $cost } 分。请在 { $until } 前向工作人员出示此码（或下方二维码）。
redeem-qr-caption = 兑换码 <code>{ $code }</code>：请出示给工作人员。
redemption-expired = ↩️ 你的兑换码 { $code }（{ $reward }）逾期未领取，{ $points } 分已退回存折。
redemption-handed-over = ✅ { $reward } 已领取。感谢你为城市奔忙！
redemption-unknown = 没有这个兑换码。
redeem-usage = 用法：/redeem &lt;兑换码&gt;（骑手出示的 8 位码）。
redeem-confirmed = ✅ 已发放：{ $reward } 给 { $rider }（兑换码 { $code }）。
redeem-already = 兑换码 { $code } 已经发放过了（{ $at }）。
redeem-expired = 兑换码 { $code } 已过期，积分已退回骑手，无需发放。
leaderboard-head = 🏆 <b>{ $month } 贡献榜</b>（本月获得的积分）
leaderboard-empty = 本月还没有人获得积分。
leaderboard-anonymous = 一位骑手
leaderboard-you = （你）
leaderboard-shown = 你的名字将显示在排行榜上。
leaderboard-hidden = 你的名字已在排行榜上隐藏。
adjust-usage = 用法：/adjust &lt;用户 id 或 @用户名&gt; &lt;+N 或 -N&gt; &lt;原因&gt;（或回复其转发的消息：/adjust &lt;+N 或 -N&gt; &lt;原因&gt;）。
adjust-reason-required = 请写明原因：/adjust &lt;骑手&gt; &lt;+N 或 -N&gt; &lt;原因&gt;。
adjust-reason-too-long = 原因太长，最多 { $max } 个字。
adjust-below-zero = 这样余额会低于零（当前 { $balance } 分）。
adjust-done = ✏️ { $rider }：{ $amount } 分，当前余额 { $balance } 分。
adjust-told = ✏️ 工作人员调整了你的积分：{ $amount }（{ $reason }）。余额：{ $balance } 分。
passbook-usage = 用法：/passbook &lt;用户 id 或 @用户名&gt;（或回复其转发的消息）。
passbook-head = 📒 { $rider }（id { $id }）的存折，共 { $entries } 条：
cmd-points = 我的积分存折
cmd-leaderboard = 本月贡献榜
cmd-redeem = 确认发放兑换礼品
cmd-adjust = 调整骑手积分（需写原因）
cmd-passbook = 查看骑手的积分记录

## 随手拍：上报
cmd-report = 拍照上报街面问题
cmd-myreports = 我的上报及进度
cmd-reports = 待处理的上报
btn-prev = ◂ 较新
btn-next = 较早 ▸
report-started = 📸 <b>新的上报。</b>随时可点下方 ✖️ 取消。
report-ask-category = 是什么问题？请选择：
report-ask-category-with-photo = 📷 照片已附上。是什么问题？请选择：
report-use-category-buttons = 请用按钮选择问题类型。
report-not-set-up = 📸 上报功能尚未配置（没有问题类型），请告知工作人员。
report-daily-limit = 您今天已上报 { $limit } 条，已达每日上限。谢谢！请明天再报。
report-ask-photos = 📷 请发送问题照片（最多 3 张），也可以以文件形式发送图片。
report-photo-added = 📷 已添加第 { $n } 张（共可 { $max } 张）。可继续发送，或点 ✅ 完成。
report-photos-full = 📷 已有 { $max } 张照片，一条上报最多这么多。
report-not-a-photo = 这不是照片。请发送问题照片（已发过的话点 ✅ 完成）。
report-photo-not-image = 这个文件不是图片。请发送照片，或 JPEG、PNG、WebP 图片文件。
report-photo-too-big = 这张照片超过了 Telegram 机器人 20 MB 的下载上限。请以照片（而非文件）形式发送，或换一张小一点的。
report-photo-failed = 抱歉，没能从 Telegram 取到照片，请再发一次。
report-photos-done-already = 照片已收到（最多 3 张）。现在请发送问题所在位置。
report-btn-done = ✅ 完成
report-ask-place = 📍 问题在哪里？点按钮发送当前位置（或从地图选一个位置发送）。
report-btn-share-place = 📍 发送位置
report-btn-same-place = 🔁 与上一条上报同一地点
report-no-last-place = 您最近 30 分钟内没有上报过，请用按钮发送位置。
report-not-a-place = 请用 📍 按钮发送位置（或附上一个位置）。
report-outside-district = 这个地点远在辖区之外。请发送问题所在的位置。
report-ask-note = 📝 给工作人员留句话（最多 { $max } 字），或点跳过。
report-btn-skip = ⏭ 跳过
report-not-a-note = 请用文字写备注，或点 ⏭ 跳过。
report-note-too-long = 您的备注有 { $n } 字，最多 { $max } 字。请删减，或点 ⏭ 跳过。
report-place-near = { $station } 附近（{ $metres } 米）
report-check = 快好了，请核对：
report-summary =
    📋 <b>您的上报</b>
    问题：{ $category }
    照片：{ $photos } 张
    地点：{ $place }（<a href="{ $map }">地图</a>）
    备注：{ $note }
report-no-note = 无
report-btn-confirm = ✅ 确认提交
report-btn-edit = ✏️ 修改
report-btn-cancel = ✖️ 取消
report-use-summary-buttons = 请用上报下方的按钮：确认提交、修改或取消。
report-edit-category = 问题类型
report-edit-photos = 照片
report-edit-place = 地点
report-edit-note = 备注
report-edit-back = ◂ 返回
report-edit-photos-hint = 新照片会替换原来的照片。点 ✅ 完成 则保留原照片。
report-cancelled-summary = ✖️ 已取消上报。
report-filed-toast = 已提交：{ $id }
report-filed-summary = ✅ 已提交，编号 <b>{ $id }</b>。
report-filed = ✅ 谢谢！您的上报编号是 <b>{ $id }</b>。每次进展都会通知您。/myreports 可查看全部上报。
report-filed-maybe-duplicate = 附近已有一条类似的上报在处理中，工作人员会核对是否为同一问题。
report-already-filed = 已提交过，编号 { $id }。

## 随手拍：我的上报
report-mine-title = 📋 <b>我的上报</b>（{ $total } 条），第 { $page }/{ $pages } 页：
report-mine-line = { $id } · { $category } · { $date } · { $status }
report-mine-none = 您还没有上报过。点 📸 随手拍上报 即可上报。
report-btn-withdraw = ↩️ 撤回 { $id }
report-btn-withdraw-yes = ↩️ 确定撤回 { $id }
report-btn-back = ◂ 返回
report-withdrawn = { $id } 已撤回。
report-not-yours = 只有上报人本人可以撤回上报。
report-unknown = 没有编号为 { $id } 的上报。
report-unknown-department = 没有“{ $dept }”这个部门。请使用派单按钮里的部门代码。
report-illegal = { $id } 当前状态为{ $status }，不能再做这个操作。
report-bad-duplicate = 请写另一条已存在的上报编号，例如 R-000100。
report-reason-required = 请写明原因，例如 /report R-000123 reject 照片看不出问题。
report-reason-too-long = 原因太长了（最多 { $max } 字）。
report-history-title = <b>处理记录</b>
report-command-usage = 用法：/report R-000123 [accept 受理 | reject 原因 | route 部门 | resolve 办结 | duplicate R-000100 | withdraw 撤回]。只发 /report 则新建上报。
report-open-title = 📋 <b>待处理上报</b>（{ $n } 条），按时间先后。/report R-… 可查看并操作。
report-status-submitted = 🆕 已提交
report-status-accepted = ✅ 已受理
report-status-routed = 🏢 已派单
report-status-resolved = 🏁 已办结
report-status-rejected = ❌ 未受理
report-status-duplicate = 🔁 重复
report-status-withdrawn = ↩️ 已撤回
report-notify-accepted = ✅ 您的上报 <b>{ $id }</b>（{ $category }）已受理，谢谢！
report-notify-routed = 🏢 您的上报 <b>{ $id }</b>（{ $category }）已派给{ $dept }处理。
report-notify-resolved = 🏁 您的上报 <b>{ $id }</b>（{ $category }）已办结。感谢您守护街巷安全！
report-notify-rejected = ❌ 您的上报 <b>{ $id }</b>（{ $category }）未被受理：{ $reason }。
report-notify-duplicate = 🔁 您的上报 <b>{ $id }</b>（{ $category }）与 { $of } 是同一问题，已在处理中。
report-notify-points = 💰 爱“新”存折 +{ $points } 分。

## 随手拍：工作人员群里的工单
triage-card =
    📋 <b>{ $id }</b> · { $category }
    📍 { $place } · <a href="{ $map }">地图</a>
    👤 { $role } · { $at }
triage-role-rider = 骑手
triage-former-rider = 已注销的骑手
triage-role-grid-officer = 兼职网格员
triage-possible-duplicate = ⚠️ 可能与 { $of } 重复（48 小时内 50 米内同类问题）。
triage-default-department = {" "}→ { $dept }？
triage-btn-accept = ✅ 受理
triage-btn-reject = ❌ 不受理
triage-btn-route = 🏢 派单
triage-btn-resolve = 🏁 已办结
triage-btn-duplicate = 🔁 重复…
triage-btn-merge = 🔗 合并到 { $of }
triage-btn-duplicate-of = { $of }（{ $metres } 米）
triage-reason-unclear = 照片看不清问题
triage-reason-not-a-problem = 不属于城市管理问题
triage-reason-outside = 地点不在辖区内
triage-reason-fixed = 问题已经解决
triage-reason-private = 位于私人场所
triage-not-coordinator = 只有工作人员可以处理上报。
triage-wrong-group = 这些按钮只能在协调员群里使用。
triage-no-duplicates = 200 米内没有同类的待处理上报。如需与其他上报合并，请发送 /report { $id } duplicate R-…
triage-done = { $id }：{ $status }
triage-follow-up = ⏰ <b>{ $id }</b> 处于“{ $status }”已 { $days } 天，仍未办结。
triage-actor-id = 工作人员 #{ $id }
report-group-unset = ⚠️ 未设置 COORDINATOR_CHAT_ID，上报不会发到工作群，全部保存在这里。
report-group-unreachable = ⚠️ 有 { $n } 条待处理上报没能发到工作群（机器人在群里吗？），每 10 分钟重试一次。

## 免费服务
cmd-services = 免费服务报名
cmd-session = 查看场次报名名单和签到二维码
cmd-checkin = 为骑手签到
services-title = 🎁 <b>免费服务</b>（第 { $page }/{ $pages } 页），按时间先后：
services-none = 🎁 未来两周暂无免费服务安排，请过几天再来看看！
services-hint = 点编号查看场次并报名。
services-seats = 剩 { $left }/{ $capacity } 个名额
services-full = 已满（{ $waiting } 人候补）
services-mine-signed = ✅ 您已报名
services-mine-waitlisted = ⏳ 您是候补第 { $place } 位
services-mine-attended = 🎉 您已参加
services-card =
    { $icon } <b>{ $title }</b>
    📍 { $station }
    🕘 { $when }
    🪑 { $seats }
services-btn-sign-up = ✅ 报名
services-btn-waitlist = ⏳ 加入候补
services-btn-cancel = ✖️ 取消报名
services-btn-cancel-yes = ✖️ 确定取消
services-btn-keep = ◂ 不取消
services-btn-navigate = 🧭 导航
services-btn-all = ◂ 全部服务
services-btn-open = 🎁 查看
services-btn-sooner = ◂ 更早
services-signed-up = ✅ 报名成功，开始前两小时会提醒您。
services-cancelled-mine = 已取消，名额会让给下一位候补。
services-unknown = 没有这个场次。
services-started = 这个场次已经开始或结束了。
services-cancelled = 这个场次已取消。
services-not-signed-up = 您没有报名这个场次。
services-promoted = 🎉 有名额空出来了：您已报上 { $icon } <b>{ $title }</b>，{ $when }。
services-reminder = ⏰ 提醒：{ $icon } <b>{ $title }</b>，{ $when }。到站后扫码签到。来不了的话请取消，把名额让给别人。
services-check-in-none = 这里现在没有可签到的场次（开始前一小时开放签到）。
services-check-in-not-now = 签到时间为开始前一小时到结束。
services-check-in-waitlisted = 您在候补名单上，还没有名额，请找现场工作人员。
services-checked-in = 🎉 已签到：<b>{ $title }</b>。祝您愉快！
services-checked-in-again = 您已经签到过 <b>{ $title }</b> 了。
services-checked-in-by-coordinator = ✅ { $who } 已签到 { $title }（+{ $points } 分）。
services-session-usage = 用法：/session 场次编号 [cancel 原因]，例如 /session HAIRCUT-20261205（编号见 /services 卡片和提醒）。
services-checkin-usage = 用法：/checkin 场次编号 骑手，例如 /checkin HAIRCUT-20261205 @用户名 或用户 ID（也可回复其转发的消息）。
services-roster-title = { $icon } <b>{ $title }</b> · { $when } · { $seats }
services-status-signed = 已报名
services-status-waitlisted = 候补
services-status-attended = 已签到
services-code-caption = 🔖 { $icon } <b>{ $title }</b>（{ $when }）的签到码。请在当天打印，或在站点用屏幕展示：只对本场次已报名的骑手有效，时间为开始前一小时至结束。请勿发到群里。
services-code-link = 🔖 本场次的签到链接（即下方二维码，请勿发到群里）：{ $link }
services-code-invalid = ❌ 这个签到码无效。请在活动当天扫描站点展示的签到码，或在站点分享实时位置。
services-code-too-early = ⏳ 这个签到码属于 { $icon } <b>{ $title }</b>，{ $when }。只在 { $day } { $opens } 至 { $closes } 有效，请到时再扫。
services-code-closed = ⌛ 这个签到码属于 { $icon } <b>{ $title }</b>，{ $when }。签到已于 { $day } { $closes } 结束：签到码只对它自己的场次有效。
services-code-no-seat = 这个签到码属于 { $station } 的 { $icon } <b>{ $title }</b>（{ $when }），您没有这个场次的名额：只有报名的骑手才能用签到码签到。
services-check-in-how =
    { $icon } <b>{ $title }</b>
    📍 { $station }
    🕘 { $when }
    签到方法：扫描今天站点展示的签到码，或到站后在本对话里分享<b>实时位置</b>（📎 → 位置 → 共享实时位置）。只扫海报不能签到。
services-live-needed = 📍 签到请分享<b>实时位置</b>（📎 → 位置 → 共享实时位置）：普通位置在哪里都能发送。也可以扫描站点展示的签到码。
services-too-far = 📍 您离 { $station }（{ $icon } <b>{ $title }</b> 的地点）大约 { $distance }。位置签到需要在 { $radius } 以内：到了之后请再分享一次实时位置。
services-session-cancelled = ❌ 已取消：{ $icon } <b>{ $title }</b>，{ $when }。抱歉！其他场次见 /services。
services-session-cancelled-done = { $code } 已取消，已通知 { $n } 位骑手。

flood-slow-down = 🐢 消息发得太快了。部分消息已被跳过，请一条一条发送。

## Broadcasts
cmd-broadcast = 向骑手发送通知
cmd-broadcasts = 最近的通知及送达情况
cmd-notifications = 通知与附近提醒：开或关
broadcast-ask-body = 📣 请发送通知内容：文字，或带说明的照片。您使用的格式（加粗、链接等）会保留。发送 /cancel 取消。
broadcast-ask-audience = 发给谁？
broadcast-to-all = 全部已注册骑手
broadcast-to-officers = 网格员
broadcast-to-platform = 某个平台或公司…
broadcast-to-near = 某站点附近的骑手…
broadcast-to-session = 报名某场活动的骑手…
broadcast-ask-near = 请发送站点编号，可附半径（公里），例如 <code>LF-S01 3</code>（不写则为 3 公里）。只有开启了附近提醒的骑手才会被计入站点附近。
broadcast-ask-session = 请发送活动场次编号，例如 <code>HAIRCUT-20261205</code>。
broadcast-ask-button = 发送站点编号（<code>LF-S01</code>）或活动场次编号（<code>HAIRCUT-20261205</code>），会在通知下方加一个"打开"按钮。
broadcast-ask-when = 什么时候发送？请发送 <code>HH:MM</code>（今天）或 <code>MM-DD HH:MM</code>（本地时间）。
broadcast-use-buttons = 请使用上方的按钮。
broadcast-body-kinds = 通知可以是文字，或带说明的照片，请发送其中一种。
broadcast-empty = 通知内容为空，请发送文字。
broadcast-caption-too-long = 照片说明最多 1,024 个字符，请缩短，或单独发送文字。
broadcast-text-too-long = 一条消息最多 4,096 个字符，请缩短。
broadcast-audience-platform = { $platform } 的骑手
broadcast-audience-near = { $station } 附近的骑手（{ $km } 公里内，已开启附近提醒）
broadcast-audience-session = 报名 { $session } 的骑手
broadcast-review = ☝️ 骑手看到的就是上面这样。
    发给：{ $audience } · 共 <b>{ $n }</b> 人。
broadcast-opted-out = 有 { $n } 人关闭了通知，不会收到。如涉及安全，可标为紧急，他们也会收到。
broadcast-urgent-reaches = 🚨 紧急：关闭了通知的 { $n } 人也会收到。
broadcast-btn-urgent-off = 🚨 标为紧急
broadcast-btn-urgent-on = ✅ 紧急（点击取消）
broadcast-btn-add-button = ➕ 加一个按钮
broadcast-btn-change-button = 🔁 更换按钮
broadcast-btn-send = 📤 立即发送
broadcast-btn-later = 🕒 定时发送
broadcast-btn-discard = ✖ 取消
broadcast-btn-stop = ⛔ 停止发送
broadcast-no-audience = 这个范围内没有人（或都关闭了通知）。请换一个范围；如涉及安全，可标为紧急。
broadcast-no-station = 没有站点 { $code }。
broadcast-no-session = 没有活动场次 { $code }。
broadcast-bad-radius = 半径应在 0.1 到 50 公里之间。
broadcast-in-the-past = 这个时间已经过了，请发送一个将来的时间。
broadcast-unknown = 没有第 { $id } 号通知。
broadcast-over = 第 { $id } 号通知已经发送完毕，无需停止。
broadcast-already-sent = 这条通知已经发送过了，编号 #{ $id }。
broadcast-sending = 📤 第 { $id } 号通知正在发给 { $n } 位骑手。
broadcast-scheduled = 🕒 第 { $id } 号通知将于 { $at } 发给 { $n } 位骑手。
broadcast-cancelled = 第 { $id } 号通知已停止：未发出的不再发送。
broadcast-open-station = 📍 打开站点 { $code }
broadcast-open-session = 📝 报名：{ $code }
broadcast-progress = 📣 第 { $id } 号通知：已发 { $sent } / { $total } · 无法送达 { $unreachable } · 失败 { $failed }
broadcast-progress-scheduled = 🕒 第 { $id } 号通知：已定时，将发给 { $total } 人。
broadcast-progress-done = ✅ 第 { $id } 号通知已完成：已发 { $sent } / { $total } · 无法送达 { $unreachable } · 失败 { $failed } · 结果未知 { $unknown } · 未发出 { $dropped }
broadcast-progress-cancelled = ⛔ 第 { $id } 号通知已停止：已发 { $sent } / { $total } · 无法送达 { $unreachable } · 失败 { $failed } · 结果未知 { $unknown } · 未发出 { $dropped }
broadcast-list-head = 📣 <b>最近的通知</b>
broadcast-list-empty = 还没有发过通知。发送 /broadcast 发一条。
notifications-view = 🔔 <b>您的通知设置</b>
    街道通知：{ $announcements }
    附近提醒：{ $nearby }
    开启附近提醒后，我们会保存您最近一次分享位置所在的区域（约 1 公里），保存 30 天，以便工作人员提醒某站点附近的骑手。紧急安全通知会发给所有人。
notifications-on = 开
notifications-off = 关
notifications-btn-announcements-off = 🔕 关闭通知
notifications-btn-announcements-on = 🔔 开启通知
notifications-btn-nearby-on = 📍 开启附近提醒
notifications-btn-nearby-off = 📍 关闭附近提醒（删除保存的区域）
held-notification-settings = 您的通知设置
held-area = 您最近分享位置所在的区域（附近提醒）
erased-notification-settings = 您的通知设置和保存的区域已删除。
station-visit-counted = 👋 欢迎来到{ $name }！本次到访已记录。
station-visits = 👣 到访（扫码及“我在这里”）：今天 { $today } · 近 7 天 { $week } · 累计 { $total }
held-visits = 站点到访记录（扫码及“我在这里”）
erased-visits-kept = { $n } 次站点到访作为统计数字保留，不带姓名。
# stats
cmd-stats = 数据统计：骑手、到站、服务、上报、积分、反馈
stats-usage = 用法：<code>/stats [week|month|year|all|2026-11] [站点代码|平台]</code>，例如 <code>/stats month</code>、<code>/stats all LF-S01</code>、<code>/stats week meituan</code>。
stats-no-such-scope = “{ $word }”不是时间段、站点代码或平台。
stats-not-begun = 这个月还没开始。
stats-span-button = { $span ->
    [week] 本周
    [month] 本月
    [year] 今年
   *[all] 全部
}
stats-charts-button = 📈 图表
stats-title = 📊 <b>{ $span }</b> · { $scope }
    { $range }
stats-range = { $first } 至 { $last }
stats-range-all = 至今全部
stats-scope-district = 全街道
stats-riders = 👥 已注册骑手：{ $total }（新增 { $new }）
stats-riders-active = 🙋 活跃：{ $active } · 服务覆盖（参加活动、到站或上报）：{ $reached }
stats-visits = 👣 到站人次：{ $n }
stats-activities = 🗓 开展活动：{ $held } 场 · 报名 { $signed } · 到场 { $attended } · 未到 { $noshows } · 候补 { $waiting }
stats-reports = 📝 上报问题：{ $n }
stats-reports-timing = ⏱ 受理中位用时：{ $accept }（已受理 { $accepted }）· 办结中位用时：{ $resolve }（已办结 { $resolved }）
stats-points = ⭐ 发放积分：{ $issued } · 兑换积分：{ $redeemed }（兑换 { $n } 次）
stats-broadcasts = 📣 通知：{ $n } 条，送达 { $reach } 人
stats-feedback = 💬 意见反馈：收到 { $n } · 已回复 { $answered }（中位用时 { $median }）
stats-feedback-rating = ⭐ 回复评分 { $rating } / 5（{ $n } 条评分）
stats-station-note = 上报按站点周边约 1 公里统计（边长 2 公里的正方形）。注册、积分、通知和反馈不属于某个站点。
stats-duration-days = { $d }天{ $h }小时
stats-duration-hours = { $h }小时{ $m }分
stats-duration-minutes = { $m }分钟
btn-here = 📍 我在{ $name }：记录到站
here-stale = 这个位置已超过 { $minutes } 分钟。请在站点重新发送位置。
here-already = 今天已记录您到访{ $name }，明天见！

## feedback (listening to riders)
cmd-feedback = 向街道反映需求（协调员：查看待处理反馈）
menu-feedback = 💬 我要反映
feedback-topic-charging = 🔌 充电
feedback-topic-rest = 🛋 休息场所
feedback-topic-food = 🍱 饮水就餐
feedback-topic-health = 🩺 健康
feedback-topic-legal = ⚖️ 法律帮助
feedback-topic-app = 📱 本应用
feedback-topic-other = 💡 其他
feedback-ask-topic = 💬 <b>向街道反映</b>
    是关于什么的？请点选一个主题。
feedback-topic-chosen = 💬 主题：{ $topic }
feedback-ask-body = { $topic }：请发送您的内容：文字（最多 { $max } 字）、照片（可附说明）或语音（最长 { $minutes } 分钟）。点“取消”可退出。
feedback-use-buttons = 请点选一个主题按钮，或点“取消”。
feedback-body-kinds = 这个无法作为反馈发送。请发送文字、照片或语音，或点“取消”。
feedback-text-too-long = 您的文字有 { $len } 字，上限是 { $max } 字。请精简后重新发送，或先发送最重要的部分。
feedback-caption-too-long = 照片说明有 { $len } 字，上限是 { $max } 字。请附上更短的说明重新发送照片，或把内容作为文字发送。
feedback-voice-too-long = 您的语音长 { $minutes }:{ $seconds }，上限是 { $max } 分钟。请录一段更短的，或改用文字。
feedback-filed = ✅ 谢谢！您的反馈 <b>{ $id }</b>（{ $topic }）已送达街道工作人员。
    协调员回复后，答复会发到这里，您可以为答复打分。骑手的反馈都会被统计，最常见的需求可以变成服务。
feedback-unknown = 没有编号为 { $id } 的反馈。
feedback-rated-already = 您已为 { $id } 的答复打过分：{ $stars } ⭐。谢谢！
feedback-closed-already = 反馈 { $id } 已经关闭。
feedback-reply-not-text = 只有文字回复能送达骑手。请用文字回复该条反馈。
feedback-reply-too-long = 这条回复有 { $len } 字，最多 { $max } 字能送达骑手。请用更短的文字回复。
feedback-btn-close = ✔️ 关闭
feedback-from-rider = 一位骑手
feedback-from-grid-officer = 一位网格员
feedback-group-item = 💬 <b>{ $id }</b> · { $topic }
    来自{ $who } · { $at }
feedback-group-voice = 🎙 语音，{ $minutes }:{ $seconds }
feedback-group-reply-hint = ↩️ 回复本条消息即可答复骑手。
feedback-answer = 💬 <b>对您的反馈 { $id } 的答复</b>（{ $topic }）：
feedback-rate-ask = 这个答复对您有帮助吗？请点 1（没有帮助）到 5（很有帮助）。
feedback-rated = 谢谢：{ $stars } ⭐
feedback-rated-thanks = ⭐ 您给 { $id } 的答复打了 { $stars } 分（满分 5 分）。谢谢，这能帮助我们改进。
feedback-ack-sent = ✅ { $id }：您的答复正在发送给骑手。
feedback-ack-erased = 📝 { $id }：答复已记录，但不会送达任何人：该骑手已删除个人数据。
feedback-ack-blocked = 📝 { $id }：答复已记录，但未发送：该骑手已屏蔽机器人，之后也不会补发；答复保留在该条反馈中。
feedback-closed = ✔️ 反馈 { $id } 已关闭。
feedback-usage = 发送 /feedback 查看待处理反馈，或 /feedback F-000123 close 关闭一条。在协调员群里回复该条反馈即可答复骑手。
feedback-age-minutes = { $n } 分钟
feedback-age-hours = { $n } 小时
feedback-age-days = { $n } 天
feedback-kind-voice = 🎙 语音
feedback-kind-photo = 📷 照片
feedback-list-empty = 没有待处理的反馈。🎉
feedback-list-head = 💬 <b>待处理反馈：{ $n } 条</b>（最早的在前）
feedback-list-more = ……还有 { $n } 条。
feedback-list-hint = 在协调员群里回复该条反馈即可答复；用 /feedback F-000123 close 关闭。
held-feedback = 您发送的反馈
held-feedback-replies = 工作人员对您反馈的答复
erased-feedback = { $n } 条反馈仅作为按主题的统计数字保留；您的文字、照片和语音已删除。
erased-feedback-replies = { $n } 条对您反馈的答复已删除。
feedback-not-posted = {" "}⏳ 尚未发到群里（机器人在群里吗？）
feedback-group-erased = 💬 <b>{ $id }</b> · { $topic }
    该骑手已删除个人数据，所发送的内容已移除。

# charts: the images /stats sends (src/charts)
charts-no-data = 本期没有数据
charts-date = { $month }月{ $day }日
charts-month = { $year }年{ $month }月
charts-month-short = { $month }月
charts-year = { $year }年
charts-reports-heading = { $unit ->
        [day] 每日上报（按当前状态）
        [week] 每周上报（按当前状态）
        [month] 每月上报（按当前状态）
       *[year] 每年上报（按当前状态）
    }
charts-status-submitted = 已提交
charts-status-accepted = 已受理
charts-status-routed = 已派单
charts-status-resolved = 已办结
charts-status-closed = 未受理 / 重复 / 已撤回
charts-visits-heading = { $unit ->
        [week] 每周站点到访和活动签到
        [month] 每月站点到访和活动签到
       *[year] 每年站点到访和活动签到
    }
charts-series-visits = 站点到访
charts-series-attended = 活动签到
charts-week-of = 按周（周一起）
charts-riders-registered = 注册骑手
charts-riders-active = 活跃骑手
charts-visits = 站点到访
charts-activities = 举办活动
charts-riders-reached = 服务骑手
charts-reports = 上报：提交 / 办结
charts-median-accept = 受理用时（中位数）
charts-median-resolve = 办结用时（中位数）
charts-points = 积分：发放 / 兑换
charts-signups = 报名 / 签到 / 缺席
charts-broadcasts = 通知 / 送达人数
charts-feedback = 反馈：收到 / 已回复
charts-top-needs = 骑手需求（按主题）
charts-no-needs = 本期没有反馈
charts-minutes = { $n } 分钟
charts-hours = { $n } 小时
charts-days = { $n } 天
charts-no-value = –
stats-charts-drawing = 正在绘制图表…
## exports
cmd-export = 导出 CSV 文件（上报、骑手、积分流水、报名、到站、反馈）
export-usage = 📄 <b>/export 表名 [开始日期] [结束日期] [phones]</b>
    表名：{ $tables }
    日期为本区日期，格式 YYYY-MM-DD，首尾两天都包含：/export reports 2026-11-01 2026-11-30
    不写日期：全部。只写一个日期：从那天到今天。
    手机号默认打码（138****5678）；/export riders phones 导出完整号码，并记入操作日志。
export-unknown-table = 没有名为“{ $word }”的表。可导出：{ $tables }
    例如：/export reports 2026-11-01 2026-11-30
export-bad-date = “{ $word }”不是日期。请按 YYYY-MM-DD 书写，例如：/export ledger 2026-11-01 2026-11-30
export-too-many-dates = 最多两个日期：第一天和最后一天。例如：/export ledger 2026-11-01 2026-11-30
export-reversed = { $from } 晚于 { $to }。请把较早的日期写在前面：/export ledger { $to } { $from }
export-future = { $day } 还没有到（今天是 { $today }）。例如：/export ledger 2026-11-01 { $today }
export-phones-riders-only = 只有骑手表含手机号：/export riders phones
export-busy-yours = ⏳ 您上一次的导出还在准备中，完成后会发到这里。请等它到了再导出下一个。
export-busy-full = ⏳ 目前有 { $n } 个导出正在准备，请一分钟后再试。
export-period = { $from } 至 { $to }
export-period-all = 截至 { $to } 的全部
export-preparing = ⏳ 正在准备 { $file }（{ $period }）…
export-ready = ✅ { $file }：{ $rows } 行，文件见下方。
export-ready-zipped = ✅ { $file }：{ $rows } 行，已压缩为 zip 发送（CSV 超过了 Telegram 允许机器人发送的 { $limit } MB）。
export-empty = 这段时间没有数据：{ $period } 没有 { $table } 记录，未生成文件。
export-too-large = 文件压缩后仍然太大（{ $size } MB；机器人最多可发送 { $limit } MB）。请缩短时间段，例如一个月。
export-failed = 导出失败，未发送任何文件。请重试。
export-caption = 📄 { $table } · { $period } · { $rows } 行 · 时间为 { $tz } 时间
export-caption-phones = 🔒 含完整手机号：请妥善保管，用完删除。本次导出已记录。
station-visit-counted-points = 👋 欢迎来到{ $name }！已记录您的到访：+{ $points } 积分。
station-visit-counted-capped = 👋 欢迎来到{ $name }！已记录您的到访（今天的到站积分已领满）。
entry-visit = 👣 到访 { $station }
station-visit-counted-not-live = 👋 欢迎来到{ $name }！已记录您的到访。到站积分需要证明您在现场：请发送<b>实时位置</b>（📎 → 位置 → 共享实时位置），再点“我在这里”。
