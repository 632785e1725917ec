// The back office's page links. Plain <a> links (no client code): each page is a server render.
export function Pager({
  page,
  pageCount,
  href,
  label = "分页",
  previous = "上一页",
  next = "下一页",
}: {
  page: number;
  pageCount: number;
  href: (page: number) => string;
  label?: string;
  previous?: string;
  next?: string;
}) {
  return (
    <nav className="pager" aria-label={label}>
      {page > 1 ? <a href={href(page - 1)}>{previous}</a> : null}
      <span>
        第 {page} / {pageCount} 页
      </span>
      {page < pageCount ? <a href={href(page + 1)}>{next}</a> : null}
    </nav>
  );
}
