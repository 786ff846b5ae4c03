package simsite

// A redesign imitates a site whose template changes one day: the articles
// published after it (ID above Options.RedesignAfter) lose their source
// line (来源) in every skin, meta tags included, as when a new template
// drops a field or moves it where the extractor does not look. The ground
// truth follows (Source ""), so a crawler's extraction stays right; what
// changes is the share of articles with a source, which a crawler's
// coverage report should notice. The older articles are served as before.

// applyRedesign changes p as the redesigned template shows it, when p's
// article was published after the redesign. It draws nothing from the
// article's random stream, so every other field stays as it was.
func (s *Site) applyRedesign(p *plan) {
	if s.redesign > 0 && p.id > s.redesign {
		p.source = ""
	}
}
