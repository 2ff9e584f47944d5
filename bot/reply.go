package bot

// Kind says what sort of reply the bot gives.
type Kind string

// Reply kinds.
const (
	// KindAnswer answers from one entry of the knowledge base.
	KindAnswer Kind = "answer"
	// KindClarify offers the entries the question could mean.
	KindClarify Kind = "clarify"
	// KindFallback says the bot cannot answer and what it can answer.
	KindFallback Kind = "fallback"
	// KindRule is the reply of a safety or small-talk rule.
	KindRule Kind = "rule"
	// KindSilent means there is nothing to send: an adapter sends no
	// message at all (a user already told to slow down, for example).
	KindSilent Kind = "silent"
)

// Reply is what the bot says, independent of any chat platform; each
// adapter decides how its platform shows it.
type Reply struct {
	Kind Kind   `json:"kind"`
	Lang string `json:"lang"`
	// Text is what the user reads.
	Text string `json:"text"`
	// Entry is the id of the entry answered (kind answer, or a rule whose
	// reply is followed by an answer).
	Entry string `json:"entry"`
	// Rule is the id of the rule that fired (kind rule).
	Rule string `json:"rule"`
	// Then is what follows a rule's reply in the same message: an answer
	// (KindAnswer, with Entry set) or the honest reply that the sources
	// do not give what was asked (KindFallback); empty when nothing does.
	Then Kind `json:"then,omitempty"`
	// Score is the confidence of the best match, from 0 to 1.
	Score float64 `json:"score"`
	// Sources are the documents the answer comes from.
	Sources []Source `json:"sources"`
	// Reviewed is the month (YYYY-MM) a maintainer last checked the
	// answer against its sources, shown with them.
	Reviewed string `json:"reviewed,omitempty"`
	// Suggestions are follow-up questions or, for kind clarify, the
	// choices offered.
	Suggestions []Suggestion `json:"suggestions"`
	// Notice is the disclaimer shown with medical content, if any.
	Notice string `json:"notice"`
	// Urgent marks the reply to an emergency or a crisis, and Calls are
	// the numbers it tells people to call, the first to call first: an
	// adapter shows it as an alert, each number one tap to dial.
	Urgent bool   `json:"urgent,omitempty"`
	Calls  []Call `json:"calls,omitempty"`
	// Clinic is the clinic that runs the bot, given with the reply to
	// AskAbout: its phone, hours and web address only once its profile
	// is filled in.
	Clinic *Clinic `json:"clinic,omitempty"`
	// Reason says which stage of the decision gave the reply (see the
	// Reason constants), for maintainers and the logs.
	Reason string `json:"reason,omitempty"`
}

// Call is a number to dial, with a button's label.
type Call struct {
	Number string `json:"number"`
	Label  string `json:"label"`
}

// Clinic is how to reach the clinic that runs the bot, in the reply's
// language.
type Clinic struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
	Hours string `json:"hours,omitempty"`
	Web   string `json:"web,omitempty"`
	LINE  string `json:"line,omitempty"`
}

// Source is a document an answer cites.
type Source struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Publisher string `json:"publisher"`
	Date      string `json:"date"`
	URL       string `json:"url"`
}

// Suggestion is a question the user can ask next with one tap.
type Suggestion struct {
	// Label is short enough for a button.
	Label string `json:"label"`
	// Question is the question the button asks.
	Question string `json:"question"`
	// Entry is the entry the question leads to, for adapters that can
	// answer it directly (a LINE postback, a Slack button).
	Entry string `json:"entry"`
}
