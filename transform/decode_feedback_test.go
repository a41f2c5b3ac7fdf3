package transform

import (
	"testing"
	"time"
)

func baseFeedback(eventType string) FeedbackEvent {
	return FeedbackEvent{
		EventID: "e-1", EventType: eventType, SchemaVersion: 1, OccurredAt: baseOccurredAt,
		RequestID: "SR-1", ContractID: "CT-GOLD", PartnerID: "PT-NORTH",
		CSAT: -1, NPS: -1, CES: -1, Source: testSource,
	}
}

func TestDecodeFeedbackAccepted(t *testing.T) {
	tr := newTestTransformer(t)
	tests := []struct {
		name  string
		value []byte
		want  func() FeedbackEvent
	}{
		{"docs example survey_submitted", []byte(exampleSurvey), func() FeedbackEvent {
			return FeedbackEvent{
				EventID: "f-000001-01", EventType: SurveySubmitted, SchemaVersion: 1,
				OccurredAt: time.Date(2026, 9, 3, 2, 0, 0, 0, time.UTC),
				RequestID:  "SR-000001", ContractID: "CT-GOLD", PartnerID: "PT-NORTH",
				CustomerRef: wantRef(testKey, "13800138000", "", "张伟"),
				CSAT:        5, NPS: 9, CES: 6, HasComment: true, Source: testSource,
			}
		}},
		{"survey with csat only", []byte(validSurvey), func() FeedbackEvent {
			ev := baseFeedback(SurveySubmitted)
			ev.CSAT = 4
			return ev
		}},
		{"survey bounds nps 0 ces 7 csat null", build(t, validSurvey, set("survey", `{"csat":null,"nps":0,"ces":7}`)), func() FeedbackEvent {
			ev := baseFeedback(SurveySubmitted)
			ev.NPS, ev.CES = 0, 7
			return ev
		}},
		{"survey bounds csat 1 nps 10 ces 1", build(t, validSurvey, set("survey", `{"csat":1,"nps":10,"ces":1}`)), func() FeedbackEvent {
			ev := baseFeedback(SurveySubmitted)
			ev.CSAT, ev.NPS, ev.CES = 1, 10, 1
			return ev
		}},
		{"survey with -0", build(t, validSurvey, set("survey", `{"nps":-0}`)), func() FeedbackEvent {
			ev := baseFeedback(SurveySubmitted)
			ev.NPS = 0
			return ev
		}},
		{"complaint_opened with comment", build(t, validComplaintOpened, set("comment", `"师傅态度差"`)), func() FeedbackEvent {
			ev := baseFeedback(ComplaintOpened)
			ev.ComplaintID, ev.ComplaintCategory, ev.ComplaintSeverity, ev.HasComment = "C-1", "delay", "high", true
			return ev
		}},
		{"complaint_opened privacy critical", build(t, validComplaintOpened,
			set("complaint.category", `"privacy"`), set("complaint.severity", `"critical"`)), func() FeedbackEvent {
			ev := baseFeedback(ComplaintOpened)
			ev.ComplaintID, ev.ComplaintCategory, ev.ComplaintSeverity = "C-1", "privacy", "critical"
			return ev
		}},
		{"complaint_resolved", []byte(validComplaintResolved), func() FeedbackEvent {
			ev := baseFeedback(ComplaintResolved)
			ev.ComplaintID = "C-1"
			return ev
		}},
		{"note is not the comment of feedback", build(t, validComplaintResolved, set("note", `"x"`)), func() FeedbackEvent {
			ev := baseFeedback(ComplaintResolved)
			ev.ComplaintID = "C-1"
			return ev
		}},
		{"ratings of other types are ignored", build(t, validComplaintResolved, set("survey", `{"csat":"bad"}`)), func() FeedbackEvent {
			ev := baseFeedback(ComplaintResolved)
			ev.ComplaintID = "C-1"
			return ev
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rej := tr.DecodeFeedback(testSource, tt.value)
			if rej != nil {
				t.Fatalf("rejected: %s %s\n%s", rej.Reason, rej.Detail, tt.value)
			}
			for _, d := range diffRows(got, tt.want()) {
				t.Error(d)
			}
		})
	}
}
