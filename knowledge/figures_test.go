package knowledge_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"alsbot/knowledge"
)

func TestClaims(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string // kind:value, space separated
	}{
		{"平均0.47点から0.25点へ", "number:0.47 number:0.25"},
		{"平均０．４７点", "number:0.47"},
		{"5人のうち3人", "number:5 number:3"},
		{"５人", "number:5"},
		{"五人、二十歳以上、第三相、十回", "number:5 number:20 number:3 number:10"},
		{"二重盲検で一種の幹細胞、一方で", ""},
		{"患者さん一人ひとりに", ""},
		{"five patients, twenty-one doses, once a month", "number:5 number:21 number:1"},
		{"one study found one of them", ""},
		{"50%、５０％、50 percent、50パーセント", "percentage:50% percentage:50% percentage:50% percentage:50%"},
		{"1,786 questions, 1万人", "number:1786 number:10000"},
		{"2023年11月28日 = 2023-11-28 = 28 November 2023 = November 28, 2023 = 2023/11/28", "date:2023-11-28 date:2023-11-28 date:2023-11-28 date:2023-11-28 date:2023-11-28"},
		{"2025年7月、July 2025、2023-11、2023年", "date:2025-07 date:2025-07 date:2023-11 date:2023"},
		{"since 2023; Matsubara et al. (2022)", "date:2023 date:2022"},
		{"令和7年度、令和元年、平成31年", "date:2025 date:2019 date:2019"},
		{"11月28日に", "date:--11-28"},
		{"二〇二三年", "date:2023"},
		{"2019-2021", "date:2019 date:2021"},
		{"第2相、第Ⅱ相、phase II, phase 2", "number:2 number:2 number:2 number:2"},
		{"CL2020 and STR03, TDP-43", "name:cl2020 name:str03 name:tdp-43"},
		{"ALSFRS-R, LSII, iPS-cell, DOI", "name:alsfrs-r name:lsii name:ips"},
		{"ropinirole, ロピニロール治験, riluzole; medicine", "name:ropinirole name:ロピニロール name:riluzole"},
		{"the Muse trial, The trial, Phase II study", "name:muse number:2"},
		{"DOI 10.1177/09636897231214370.", "doi:10.1177/09636897231214370"},
		{"see https://example.org/a?b=1 for 5", "url:https://example.org/a?b=1 number:5"},
		{"a 68-year-old for 1 year", "number:68 number:1"},
	} {
		var got []string
		for _, c := range knowledge.Claims(tc.text) {
			kind := c.Kind.String()
			if c.Kind == knowledge.DOI || c.Kind == knowledge.URL {
				kind = strings.ToLower(kind)
			}
			got = append(got, kind+":"+c.Value)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("Claims(%q)\n  got  %s\n  want %s", tc.text, g, tc.want)
		}
	}
}

func TestClaimsKnowWhatNumbersCount(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"5人、五名、five patients, 5 participants", "5:people 5:people 5:people 5:people"},
		{"6回、six doses, 6 infusions, once", "6:times 6:times 6:times 1:times"},
		{"12ヵ月、12か月、12 months", "12:months 12:months 12:months"},
		{"68歳、a 68-year-old, aged 68", "68:years old 68:years old 68:years old"},
		{"13件、12番、item 12, reference 13", "13:items 12:items 12:items 13:items"},
		{"第2相、phase 2, phase II, 第Ⅱ相", "2:phase 2:phase 2:phase 2:phase"},
		{"0.47 and 3 declined", "0.47: 3:"},
	} {
		var got []string
		for _, c := range knowledge.Claims(tc.text) {
			got = append(got, c.Value+":"+c.Unit)
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("Claims(%q)\n  got  %s\n  want %s", tc.text, g, tc.want)
		}
	}
}

func TestClaimsKeepTheirLine(t *testing.T) {
	cs := knowledge.Claims("一行目\n\n参加者は5人")
	if len(cs) != 1 || cs[0].Line != 2 || cs[0].Text != "5人" || cs[0].Unit != "people" {
		t.Errorf("got %+v", cs)
	}
}

var dateValue = regexp.MustCompile(`^(\d{4}(-\d{2}(-\d{2})?)?|--\d{2}-\d{2})$`)

// FuzzClaims feeds the figure reader arbitrary text: it must not panic,
// and what it returns must be well formed and found where it says.
func FuzzClaims(f *testing.F) {
	for _, s := range []string{
		"平均0.47点から0.25点へ", "2023年11月28日", "令和元年", "five patients", "第Ⅱ相", "CL2020", "ＡＬＳ　５人",
		"10.1177/09636897231214370", "二十歳", "一万二千人", "https://x.org", "50%", "2019-2021", "November 2023",
		"九九九九九九九九九九九九九九九九九九年", "1,000,000.5万%", "第十百千万億回",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		for _, c := range knowledge.Claims(text) {
			if c.Value == "" || c.Text == "" {
				t.Fatalf("empty claim %+v in %q", c, text)
			}
			if c.Line < 0 || c.Line >= len(lines) {
				t.Fatalf("claim %+v: line out of range in %q", c, text)
			}
			if !strings.Contains(norm.NFKC.String(lines[c.Line]), c.Text) {
				t.Fatalf("claim %+v is not on its line %q", c, lines[c.Line])
			}
			switch c.Kind {
			case knowledge.Number:
				if v, err := strconv.ParseFloat(c.Value, 64); err != nil || v < 0 {
					t.Fatalf("number %+v", c)
				}
			case knowledge.Percent:
				if _, err := strconv.ParseFloat(strings.TrimSuffix(c.Value, "%"), 64); err != nil || !strings.HasSuffix(c.Value, "%") {
					t.Fatalf("percentage %+v", c)
				}
			case knowledge.Date:
				if !dateValue.MatchString(c.Value) {
					t.Fatalf("date %+v", c)
				}
			case knowledge.Name, knowledge.DOI, knowledge.URL:
			default:
				t.Fatalf("unknown kind %+v", c)
			}
		}
	})
}

// BenchmarkClaims reads the figures of a typical answer.
func BenchmarkClaims(b *testing.B) {
	const answer = "効果は副次的な評価項目で、ALSFRS-R（日常生活の機能の点数）の下がり方で調べました。\n\n・投与前：1ヵ月あたり平均0.47点の低下\n・投与後：1ヵ月あたり平均0.25点の低下\n\n5人のうち3人は進行が遅くなり、1人は速くなり、1人は変わりませんでした。結果は2023年11月28日にCell Transplantationに掲載されました。"
	b.ReportAllocs()
	for b.Loop() {
		knowledge.Claims(answer)
	}
}
