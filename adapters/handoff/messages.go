package handoff

import "alsbot/knowledge"

// text is a message of the handoff in both languages. {clinic} is the
// clinic's contact, {hours} its office hours.
type text struct{ ja, en string }

func (t text) in(lang string) string {
	if lang == knowledge.EN {
		return t.en
	}
	return t.ja
}

var (
	msgOffer = text{
		ja: "クリニックのスタッフに相談することができます。\n\n" +
			"・伝える内容：このチャットの最近のやりとり（あなたのメッセージとボットの返事、最大5件）と、これから送るメッセージ\n" +
			"・伝える相手：{clinic}のスタッフ（院内の連絡用のSlack）\n" +
			"・LINEのお名前やIDは伝えません\n\n" +
			"スタッフに伝えてよろしいですか？「はい」か「いいえ」でお答えください。",
		en: "I can pass this conversation to the clinic's staff.\n\n" +
			"• What they would see: this chat's recent messages (yours and my replies, up to 5) and what you send next\n" +
			"• Who: the staff of {clinic}, in the clinic's internal Slack\n" +
			"• Not your LINE name or id\n\n" +
			"Shall I pass it to them? Please answer yes or no.",
	}
	msgYes      = text{ja: "はい", en: "Yes"}
	msgNo       = text{ja: "いいえ", en: "No"}
	msgDeclined = text{
		ja: "わかりました。何も伝えていません。ほかに知りたいことがあれば、いつでも聞いてください。直接のご相談は{clinic}へどうぞ。",
		en: "All right: nothing has been passed on. Ask me anything else at any time, or contact {clinic} directly.",
	}
	msgOpened = text{
		ja: "スタッフにお伝えしました。返事はこのチャットに届きます。続けて書いたことも、スタッフに伝わります。\n\n緊急のときは、返事を待たずに119番へ電話してください。",
		en: "I have passed it to the staff. Their reply will come in this chat, and what you write next reaches them too.\n\nIn an emergency, do not wait: call 119.",
	}
	msgAfterHours = text{
		ja: "いまはスタッフの受付時間（{hours}）の外のため、返事は次の受付時間になります。",
		en: "The staff are not in now (their hours: {hours}), so they will reply when they are next in.",
	}
	msgFailed = text{
		ja: "申し訳ありません。いまスタッフにお伝えできませんでした。お手数ですが、{clinic}へ直接ご連絡ください。緊急のときは119番へ。",
		en: "Sorry: I could not reach the staff just now. Please contact {clinic} directly. In an emergency, call 119.",
	}
	msgNotPassed = text{
		ja: "申し訳ありません。いまのメッセージをスタッフに届けられませんでした。少ししてからもう一度送るか、{clinic}へ直接ご連絡ください。緊急のときは119番へ。",
		en: "Sorry: that message did not reach the staff. Please send it again in a moment, or contact {clinic} directly. In an emergency, call 119.",
	}
	msgFromStaff   = text{ja: "【クリニックのスタッフより】", en: "[From the clinic's staff]"}
	msgClosedStaff = text{
		ja: "スタッフとのやりとりを終わりました。ここからは、またボットがお答えします。ご相談があれば、いつでも「スタッフに相談したい」と送ってください。",
		en: "The staff have closed this conversation. I will answer again from here; send \"I'd like to talk to the staff\" at any time to reach them.",
	}
	msgClosedPatient = text{
		ja: "よかったです。スタッフとのやりとりを終わりました。ここからは、またボットがお答えします。",
		en: "I'm glad. The conversation with the staff is closed; I will answer again from here.",
	}
	msgAskStaff  = text{ja: "スタッフに相談", en: "Ask the staff"}
	msgAskStaffQ = text{ja: "スタッフに相談したい", en: "I'd like to talk to the staff"}
	// Notes in the staff's thread, in Japanese: the staff's language.
	msgUrgentNote   = text{ja: ":rotating_light: 緊急：患者さんのメッセージが緊急の規則にかかりました。ボットは119番の案内をすでに送っています。", en: ""}
	msgNoText       = text{ja: "（スタンプまたは画像、ボタンが送られました）", en: ""}
	msgUrgentButton = text{ja: "（「緊急のとき」のボタンが押されました）", en: ""}
)
