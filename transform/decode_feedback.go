package transform

// decodeFeedback checks a message of the feedback topic and builds its row, as
// decodeRecord does.
func (t *Transformer) decodeFeedback(c *checker, value []byte) FeedbackEvent {
	c.parse(value)
	e := t.envelope(c, feedbackTypeSet, fComment)
	if c.failed() {
		return FeedbackEvent{}
	}
	ev := FeedbackEvent{
		EventID:       e.eventID,
		EventType:     e.eventType,
		SchemaVersion: e.schemaVersion,
		OccurredAt:    e.occurredAt,
		RequestID:     e.requestID,
		ContractID:    e.contractID,
		PartnerID:     e.partnerID,
		CustomerRef:   e.customerRef,
		HasComment:    e.hasFreeText,
		CSAT:          -1,
		NPS:           -1,
		CES:           -1,
	}

	// The fields of each type, in the order of its row in docs/events.md.
	switch ev.EventType {
	case SurveySubmitted:
		c.object(fSurvey, required)
		ev.CSAT = c.rating(fSurveyCSAT, 1, 5)
		ev.NPS = c.rating(fSurveyNPS, 0, 10)
		ev.CES = c.rating(fSurveyCES, 1, 7)
		if !c.failed() && ev.CSAT < 0 && ev.NPS < 0 && ev.CES < 0 {
			c.rejectField(ReasonMissingField, fSurvey) // a survey without any score
		}

	case ComplaintOpened:
		c.object(fComplaint, required)
		ev.ComplaintID = c.id(fComplaintID)
		ev.ComplaintCategory = c.enum(fComplaintCategory, complaintSet)
		ev.ComplaintSeverity = c.enum(fComplaintSeverity, severitySet)

	case ComplaintResolved:
		c.object(fComplaint, required)
		ev.ComplaintID = c.id(fComplaintID)
	}
	if c.failed() {
		return FeedbackEvent{}
	}
	return ev
}
