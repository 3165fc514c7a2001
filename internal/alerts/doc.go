// Package alerts evaluates alert rules over the view's final windows: a
// threshold on the count or the ratio of some levels per service, or a spike
// of that count against the service's own history. Firing and resolving
// transitions are kept for the HTTP API and written to the alerts topic.
//
// Alerts depend only on final counts (a window is final once its start plus
// window plus grace is at or before the watermark, and its counts never
// change again) and on the rules, never on the wall clock: two engines over
// the same data derive the same alerts whatever their step cadence, and an
// engine restarted over the same table re-derives them. Windows are
// evaluated one at a time in order, from the earliest window the source
// held when the engine first saw a watermark. A rule looks only at windows
// from that origin on, so what a restart can change is limited to the first
// few windows of each rule's history after the new origin (when retention
// pruned older windows in between); LoadPublished and Config.Published keep
// such a restart from repeating transitions already on the topic.
package alerts
