package transform

// decodeRecord checks a message of the service-records topic and builds its
// row. The order of the calls is the order of the checks (see envelope); c
// holds the first failure.
func (t *Transformer) decodeRecord(c *checker, value []byte) ServiceEvent {
	c.parse(value)
	e := t.envelope(c, recordTypeSet, fNote)
	if c.failed() {
		return ServiceEvent{}
	}
	ev := ServiceEvent{
		EventID:       e.eventID,
		EventType:     e.eventType,
		SchemaVersion: e.schemaVersion,
		OccurredAt:    e.occurredAt,
		RequestID:     e.requestID,
		ContractID:    e.contractID,
		PartnerID:     e.partnerID,
		CustomerRef:   e.customerRef,
		HasNote:       e.hasFreeText,
	}

	// The fields of each type, in the order of its row in docs/events.md.
	// Fields that a type does not list are ignored, even if present.
	switch ev.EventType {
	case RequestCreated:
		ev.Channel = c.enum(fChannel, channelSet)
		ev.Region = c.text(fRegion, required)
		c.object(fProduct, required)
		ev.ProductSerial = c.text(fProductSerial, required)
		ev.ProductModel = c.text(fProductModel, required)
		ev.PurchaseDate = c.purchaseDate(e.occurredDay)

	case Acknowledged, ClockResumed, Closed, Cancelled:
		// Nothing beyond the envelope.

	case Dispatched:
		c.object(fTechnician, required)
		ev.TechnicianID = c.id(fTechnicianID)
		ev.TechnicianCertified = c.boolean(fTechnicianCertified, optional)

	case OnsiteArrived, RemoteStarted:
		c.object(fTechnician, required)
		ev.TechnicianID = c.id(fTechnicianID)
		ev.TechnicianCertified = c.boolean(fTechnicianCertified, required)
		ev.VisitNo = c.count(fVisitNo, required)
		ev.PlannedFollowUp = c.boolean(fPlannedFollowUp, optional)

	case PartRequested:
		c.object(fPart, required)
		ev.PartLineID = c.id(fPartLineID)
		ev.PartNo = c.text(fPartNo, required)
		ev.PartQuantity = c.count(fPartQuantity, optional)
		if ev.PartQuantity == 0 {
			ev.PartQuantity = 1 // the contract's default
		}

	case PartDelivered:
		c.object(fPart, required)
		ev.PartLineID = c.id(fPartLineID)
		ev.PartNo = c.text(fPartNo, required)
		ev.PartFromStock = c.boolean(fPartFromStock, required)

	case ClockPaused:
		ev.PauseReason = c.enum(fPauseReason, pauseReasonSet)

	case Resolved:
		c.object(fTechnician, required)
		ev.TechnicianID = c.id(fTechnicianID)
		ev.TechnicianCertified = c.boolean(fTechnicianCertified, optional)
		ev.VisitNo = c.count(fVisitNo, required)
		c.object(fResolution, required)
		ev.Cause = c.enum(fResolutionCause, causeSet)
		ev.Warranty = c.enum(fResolutionWarranty, warrantySet)
		ev.PartsFee = c.money(fResolutionPartsFee)
		ev.LabourFee = c.money(fResolutionLabourFee)
		ev.Currency = c.currency(fResolutionCurrency)

	case Reopened:
		ev.ReopenReason = c.text(fReopenReason, optional)
	}
	if c.failed() {
		return ServiceEvent{}
	}
	return ev
}
