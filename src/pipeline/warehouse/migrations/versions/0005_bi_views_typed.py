"""BI views with integer counts and Chinese labels (recreates the figure views of 0003).

0003's views returned every figure as the stored double (``fact_cells.value``) and labelled nothing but
``v_active_cells``. This revision recreates them so that counts are integers (``BIGINT``; sums too — on
PostgreSQL ``SUM(bigint)`` is numeric, so it is cast back) while amounts (表二 收费金额 万元, 采购总金额 元)
stay the stored number, and rates are doubles:

- ``v_active_cells``: adds ``value_count`` (BIGINT, counts only), ``value_amount`` (amounts only) and
  ``table_title_zh``; ``value`` stays the stored number for existing queries;
- ``v_proactive_wide`` / ``v_requests_wide`` / ``v_appeals_wide``, ``v_agency_year_figures``,
  ``v_district_year``, ``v_kpi_agency_year``, ``v_kpi_district_year``: the same columns, counts as BIGINT;
- ``v_column_labels`` (new): view_name, column_name, label_zh, value_kind for every figure column of those
  views (a BI tool joins it for Chinese captions); on PostgreSQL the same labels are column comments.

``v_active_reports`` and ``v_agency_year_status`` are unchanged. Frozen: the cells, figures and labels are
spelled out here (no import of the live package), so this revision creates the same views whatever later code
says. Downgrade recreates 0003's shapes (doubles, no labels view).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every cell the wide views carry: table → ((row, col, Chinese label), …) (frozen from the 2026-12 vocabulary).
WIDE: dict[str, tuple[tuple[str, str, str], ...]] = {
    'proactive': (
        ('rules', 'issued', '二、规章 / 本年制发件数'),
        ('rules', 'repealed', '二、规章 / 本年废止件数'),
        ('rules', 'in_force', '二、规章 / 现行有效件数'),
        ('rules', 'new_made', '二、规章 / 本年新制作数量'),
        ('rules', 'new_published', '二、规章 / 本年新公开数量'),
        ('rules', 'total_published', '二、规章 / 对外公开总数量'),
        ('normative_docs', 'issued', '二、行政规范性文件 / 本年制发件数'),
        ('normative_docs', 'repealed', '二、行政规范性文件 / 本年废止件数'),
        ('normative_docs', 'in_force', '二、行政规范性文件 / 现行有效件数'),
        ('normative_docs', 'new_made', '二、行政规范性文件 / 本年新制作数量'),
        ('normative_docs', 'new_published', '二、行政规范性文件 / 本年新公开数量'),
        ('normative_docs', 'total_published', '二、行政规范性文件 / 对外公开总数量'),
        ('licensing', 'prev_year_items', '二、行政许可 / 上一年项目数量'),
        ('licensing', 'year_change', '二、行政许可 / 本年增/减'),
        ('licensing', 'decisions', '二、行政许可 / 本年处理决定数量'),
        ('other_mgmt_services', 'prev_year_items', '二、其他对外管理服务事项 / 上一年项目数量'),
        ('other_mgmt_services', 'year_change', '二、其他对外管理服务事项 / 本年增/减'),
        ('other_mgmt_services', 'decisions', '二、其他对外管理服务事项 / 本年处理决定数量'),
        ('penalties', 'prev_year_items', '二、行政处罚 / 上一年项目数量'),
        ('penalties', 'year_change', '二、行政处罚 / 本年增/减'),
        ('penalties', 'decisions', '二、行政处罚 / 本年处理决定数量'),
        ('coercion', 'prev_year_items', '二、行政强制 / 上一年项目数量'),
        ('coercion', 'year_change', '二、行政强制 / 本年增/减'),
        ('coercion', 'decisions', '二、行政强制 / 本年处理决定数量'),
        ('admin_fees', 'prev_year_items', '二、行政事业性收费 / 上一年项目数量'),
        ('admin_fees', 'year_change', '二、行政事业性收费 / 本年增/减'),
        ('admin_fees', 'fee_amount_wan', '二、行政事业性收费 / 本年收费金额（单位：万元）'),
        ('central_procurement', 'procurement_items', '二、政府集中采购 / 采购项目数量'),
        ('central_procurement', 'procurement_amount', '二、政府集中采购 / 采购总金额'),
    ),
    'requests': (
        ('new_received', 'natural_person', '三、一、本年新收政府信息公开申请数量 / 自然人'),
        ('new_received', 'commercial', '三、一、本年新收政府信息公开申请数量 / 商业企业'),
        ('new_received', 'research', '三、一、本年新收政府信息公开申请数量 / 科研机构'),
        ('new_received', 'social_welfare', '三、一、本年新收政府信息公开申请数量 / 社会公益组织'),
        ('new_received', 'legal_service', '三、一、本年新收政府信息公开申请数量 / 法律服务机构'),
        ('new_received', 'org_other', '三、一、本年新收政府信息公开申请数量 / 其他'),
        ('new_received', 'total', '三、一、本年新收政府信息公开申请数量 / 总计'),
        ('carried_over', 'natural_person', '三、二、上年结转政府信息公开申请数量 / 自然人'),
        ('carried_over', 'commercial', '三、二、上年结转政府信息公开申请数量 / 商业企业'),
        ('carried_over', 'research', '三、二、上年结转政府信息公开申请数量 / 科研机构'),
        ('carried_over', 'social_welfare', '三、二、上年结转政府信息公开申请数量 / 社会公益组织'),
        ('carried_over', 'legal_service', '三、二、上年结转政府信息公开申请数量 / 法律服务机构'),
        ('carried_over', 'org_other', '三、二、上年结转政府信息公开申请数量 / 其他'),
        ('carried_over', 'total', '三、二、上年结转政府信息公开申请数量 / 总计'),
        ('granted', 'natural_person', '三、（一）予以公开 / 自然人'),
        ('granted', 'commercial', '三、（一）予以公开 / 商业企业'),
        ('granted', 'research', '三、（一）予以公开 / 科研机构'),
        ('granted', 'social_welfare', '三、（一）予以公开 / 社会公益组织'),
        ('granted', 'legal_service', '三、（一）予以公开 / 法律服务机构'),
        ('granted', 'org_other', '三、（一）予以公开 / 其他'),
        ('granted', 'total', '三、（一）予以公开 / 总计'),
        ('partial', 'natural_person', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 自然人'),
        ('partial', 'commercial', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 商业企业'),
        ('partial', 'research', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 科研机构'),
        ('partial', 'social_welfare', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 社会公益组织'),
        ('partial', 'legal_service', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 法律服务机构'),
        ('partial', 'org_other', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 其他'),
        ('partial', 'total', '三、（二）部分公开（区分处理的，只计这一情形，不计其他情形） / 总计'),
        ('denied.state_secret', 'natural_person', '三、（三）不予公开 1.属于国家秘密 / 自然人'),
        ('denied.state_secret', 'commercial', '三、（三）不予公开 1.属于国家秘密 / 商业企业'),
        ('denied.state_secret', 'research', '三、（三）不予公开 1.属于国家秘密 / 科研机构'),
        ('denied.state_secret', 'social_welfare', '三、（三）不予公开 1.属于国家秘密 / 社会公益组织'),
        ('denied.state_secret', 'legal_service', '三、（三）不予公开 1.属于国家秘密 / 法律服务机构'),
        ('denied.state_secret', 'org_other', '三、（三）不予公开 1.属于国家秘密 / 其他'),
        ('denied.state_secret', 'total', '三、（三）不予公开 1.属于国家秘密 / 总计'),
        ('denied.law_prohibited', 'natural_person', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 自然人'),
        ('denied.law_prohibited', 'commercial', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 商业企业'),
        ('denied.law_prohibited', 'research', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 科研机构'),
        ('denied.law_prohibited', 'social_welfare', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 社会公益组织'),
        ('denied.law_prohibited', 'legal_service', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 法律服务机构'),
        ('denied.law_prohibited', 'org_other', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 其他'),
        ('denied.law_prohibited', 'total', '三、（三）不予公开 2.其他法律行政法规禁止公开 / 总计'),
        ('denied.security_stability', 'natural_person', '三、（三）不予公开 3.危及“三安全一稳定” / 自然人'),
        ('denied.security_stability', 'commercial', '三、（三）不予公开 3.危及“三安全一稳定” / 商业企业'),
        ('denied.security_stability', 'research', '三、（三）不予公开 3.危及“三安全一稳定” / 科研机构'),
        ('denied.security_stability', 'social_welfare', '三、（三）不予公开 3.危及“三安全一稳定” / 社会公益组织'),
        ('denied.security_stability', 'legal_service', '三、（三）不予公开 3.危及“三安全一稳定” / 法律服务机构'),
        ('denied.security_stability', 'org_other', '三、（三）不予公开 3.危及“三安全一稳定” / 其他'),
        ('denied.security_stability', 'total', '三、（三）不予公开 3.危及“三安全一稳定” / 总计'),
        ('denied.third_party', 'natural_person', '三、（三）不予公开 4.保护第三方合法权益 / 自然人'),
        ('denied.third_party', 'commercial', '三、（三）不予公开 4.保护第三方合法权益 / 商业企业'),
        ('denied.third_party', 'research', '三、（三）不予公开 4.保护第三方合法权益 / 科研机构'),
        ('denied.third_party', 'social_welfare', '三、（三）不予公开 4.保护第三方合法权益 / 社会公益组织'),
        ('denied.third_party', 'legal_service', '三、（三）不予公开 4.保护第三方合法权益 / 法律服务机构'),
        ('denied.third_party', 'org_other', '三、（三）不予公开 4.保护第三方合法权益 / 其他'),
        ('denied.third_party', 'total', '三、（三）不予公开 4.保护第三方合法权益 / 总计'),
        ('denied.internal_affairs', 'natural_person', '三、（三）不予公开 5.属于三类内部事务信息 / 自然人'),
        ('denied.internal_affairs', 'commercial', '三、（三）不予公开 5.属于三类内部事务信息 / 商业企业'),
        ('denied.internal_affairs', 'research', '三、（三）不予公开 5.属于三类内部事务信息 / 科研机构'),
        ('denied.internal_affairs', 'social_welfare', '三、（三）不予公开 5.属于三类内部事务信息 / 社会公益组织'),
        ('denied.internal_affairs', 'legal_service', '三、（三）不予公开 5.属于三类内部事务信息 / 法律服务机构'),
        ('denied.internal_affairs', 'org_other', '三、（三）不予公开 5.属于三类内部事务信息 / 其他'),
        ('denied.internal_affairs', 'total', '三、（三）不予公开 5.属于三类内部事务信息 / 总计'),
        ('denied.process_info', 'natural_person', '三、（三）不予公开 6.属于四类过程性信息 / 自然人'),
        ('denied.process_info', 'commercial', '三、（三）不予公开 6.属于四类过程性信息 / 商业企业'),
        ('denied.process_info', 'research', '三、（三）不予公开 6.属于四类过程性信息 / 科研机构'),
        ('denied.process_info', 'social_welfare', '三、（三）不予公开 6.属于四类过程性信息 / 社会公益组织'),
        ('denied.process_info', 'legal_service', '三、（三）不予公开 6.属于四类过程性信息 / 法律服务机构'),
        ('denied.process_info', 'org_other', '三、（三）不予公开 6.属于四类过程性信息 / 其他'),
        ('denied.process_info', 'total', '三、（三）不予公开 6.属于四类过程性信息 / 总计'),
        ('denied.enforcement_file', 'natural_person', '三、（三）不予公开 7.属于行政执法案卷 / 自然人'),
        ('denied.enforcement_file', 'commercial', '三、（三）不予公开 7.属于行政执法案卷 / 商业企业'),
        ('denied.enforcement_file', 'research', '三、（三）不予公开 7.属于行政执法案卷 / 科研机构'),
        ('denied.enforcement_file', 'social_welfare', '三、（三）不予公开 7.属于行政执法案卷 / 社会公益组织'),
        ('denied.enforcement_file', 'legal_service', '三、（三）不予公开 7.属于行政执法案卷 / 法律服务机构'),
        ('denied.enforcement_file', 'org_other', '三、（三）不予公开 7.属于行政执法案卷 / 其他'),
        ('denied.enforcement_file', 'total', '三、（三）不予公开 7.属于行政执法案卷 / 总计'),
        ('denied.admin_query', 'natural_person', '三、（三）不予公开 8.属于行政查询事项 / 自然人'),
        ('denied.admin_query', 'commercial', '三、（三）不予公开 8.属于行政查询事项 / 商业企业'),
        ('denied.admin_query', 'research', '三、（三）不予公开 8.属于行政查询事项 / 科研机构'),
        ('denied.admin_query', 'social_welfare', '三、（三）不予公开 8.属于行政查询事项 / 社会公益组织'),
        ('denied.admin_query', 'legal_service', '三、（三）不予公开 8.属于行政查询事项 / 法律服务机构'),
        ('denied.admin_query', 'org_other', '三、（三）不予公开 8.属于行政查询事项 / 其他'),
        ('denied.admin_query', 'total', '三、（三）不予公开 8.属于行政查询事项 / 总计'),
        ('unable.not_held', 'natural_person', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 自然人'),
        ('unable.not_held', 'commercial', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 商业企业'),
        ('unable.not_held', 'research', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 科研机构'),
        ('unable.not_held', 'social_welfare', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 社会公益组织'),
        ('unable.not_held', 'legal_service', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 法律服务机构'),
        ('unable.not_held', 'org_other', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 其他'),
        ('unable.not_held', 'total', '三、（四）无法提供 1.本机关不掌握相关政府信息 / 总计'),
        ('unable.needs_creation', 'natural_person', '三、（四）无法提供 2.没有现成信息需要另行制作 / 自然人'),
        ('unable.needs_creation', 'commercial', '三、（四）无法提供 2.没有现成信息需要另行制作 / 商业企业'),
        ('unable.needs_creation', 'research', '三、（四）无法提供 2.没有现成信息需要另行制作 / 科研机构'),
        ('unable.needs_creation', 'social_welfare', '三、（四）无法提供 2.没有现成信息需要另行制作 / 社会公益组织'),
        ('unable.needs_creation', 'legal_service', '三、（四）无法提供 2.没有现成信息需要另行制作 / 法律服务机构'),
        ('unable.needs_creation', 'org_other', '三、（四）无法提供 2.没有现成信息需要另行制作 / 其他'),
        ('unable.needs_creation', 'total', '三、（四）无法提供 2.没有现成信息需要另行制作 / 总计'),
        ('unable.still_unclear', 'natural_person', '三、（四）无法提供 3.补正后申请内容仍不明确 / 自然人'),
        ('unable.still_unclear', 'commercial', '三、（四）无法提供 3.补正后申请内容仍不明确 / 商业企业'),
        ('unable.still_unclear', 'research', '三、（四）无法提供 3.补正后申请内容仍不明确 / 科研机构'),
        ('unable.still_unclear', 'social_welfare', '三、（四）无法提供 3.补正后申请内容仍不明确 / 社会公益组织'),
        ('unable.still_unclear', 'legal_service', '三、（四）无法提供 3.补正后申请内容仍不明确 / 法律服务机构'),
        ('unable.still_unclear', 'org_other', '三、（四）无法提供 3.补正后申请内容仍不明确 / 其他'),
        ('unable.still_unclear', 'total', '三、（四）无法提供 3.补正后申请内容仍不明确 / 总计'),
        ('not_processed.petition', 'natural_person', '三、（五）不予处理 1.信访举报投诉类申请 / 自然人'),
        ('not_processed.petition', 'commercial', '三、（五）不予处理 1.信访举报投诉类申请 / 商业企业'),
        ('not_processed.petition', 'research', '三、（五）不予处理 1.信访举报投诉类申请 / 科研机构'),
        ('not_processed.petition', 'social_welfare', '三、（五）不予处理 1.信访举报投诉类申请 / 社会公益组织'),
        ('not_processed.petition', 'legal_service', '三、（五）不予处理 1.信访举报投诉类申请 / 法律服务机构'),
        ('not_processed.petition', 'org_other', '三、（五）不予处理 1.信访举报投诉类申请 / 其他'),
        ('not_processed.petition', 'total', '三、（五）不予处理 1.信访举报投诉类申请 / 总计'),
        ('not_processed.duplicate', 'natural_person', '三、（五）不予处理 2.重复申请 / 自然人'),
        ('not_processed.duplicate', 'commercial', '三、（五）不予处理 2.重复申请 / 商业企业'),
        ('not_processed.duplicate', 'research', '三、（五）不予处理 2.重复申请 / 科研机构'),
        ('not_processed.duplicate', 'social_welfare', '三、（五）不予处理 2.重复申请 / 社会公益组织'),
        ('not_processed.duplicate', 'legal_service', '三、（五）不予处理 2.重复申请 / 法律服务机构'),
        ('not_processed.duplicate', 'org_other', '三、（五）不予处理 2.重复申请 / 其他'),
        ('not_processed.duplicate', 'total', '三、（五）不予处理 2.重复申请 / 总计'),
        ('not_processed.publication', 'natural_person', '三、（五）不予处理 3.要求提供公开出版物 / 自然人'),
        ('not_processed.publication', 'commercial', '三、（五）不予处理 3.要求提供公开出版物 / 商业企业'),
        ('not_processed.publication', 'research', '三、（五）不予处理 3.要求提供公开出版物 / 科研机构'),
        ('not_processed.publication', 'social_welfare', '三、（五）不予处理 3.要求提供公开出版物 / 社会公益组织'),
        ('not_processed.publication', 'legal_service', '三、（五）不予处理 3.要求提供公开出版物 / 法律服务机构'),
        ('not_processed.publication', 'org_other', '三、（五）不予处理 3.要求提供公开出版物 / 其他'),
        ('not_processed.publication', 'total', '三、（五）不予处理 3.要求提供公开出版物 / 总计'),
        ('not_processed.excessive', 'natural_person', '三、（五）不予处理 4.无正当理由大量反复申请 / 自然人'),
        ('not_processed.excessive', 'commercial', '三、（五）不予处理 4.无正当理由大量反复申请 / 商业企业'),
        ('not_processed.excessive', 'research', '三、（五）不予处理 4.无正当理由大量反复申请 / 科研机构'),
        ('not_processed.excessive', 'social_welfare', '三、（五）不予处理 4.无正当理由大量反复申请 / 社会公益组织'),
        ('not_processed.excessive', 'legal_service', '三、（五）不予处理 4.无正当理由大量反复申请 / 法律服务机构'),
        ('not_processed.excessive', 'org_other', '三、（五）不予处理 4.无正当理由大量反复申请 / 其他'),
        ('not_processed.excessive', 'total', '三、（五）不予处理 4.无正当理由大量反复申请 / 总计'),
        ('not_processed.confirm_reissue', 'natural_person', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 自然人'),
        ('not_processed.confirm_reissue', 'commercial', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 商业企业'),
        ('not_processed.confirm_reissue', 'research', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 科研机构'),
        ('not_processed.confirm_reissue', 'social_welfare', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 社会公益组织'),
        ('not_processed.confirm_reissue', 'legal_service', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 法律服务机构'),
        ('not_processed.confirm_reissue', 'org_other', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 其他'),
        ('not_processed.confirm_reissue', 'total', '三、（五）不予处理 5.要求行政机关确认或重新出具已获取信息 / 总计'),
        ('other', 'natural_person', '三、（六）其他处理 / 自然人'),
        ('other', 'commercial', '三、（六）其他处理 / 商业企业'),
        ('other', 'research', '三、（六）其他处理 / 科研机构'),
        ('other', 'social_welfare', '三、（六）其他处理 / 社会公益组织'),
        ('other', 'legal_service', '三、（六）其他处理 / 法律服务机构'),
        ('other', 'org_other', '三、（六）其他处理 / 其他'),
        ('other', 'total', '三、（六）其他处理 / 总计'),
        ('other.no_correction', 'natural_person', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 自然人'),
        ('other.no_correction', 'commercial', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 商业企业'),
        ('other.no_correction', 'research', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 科研机构'),
        ('other.no_correction', 'social_welfare', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 社会公益组织'),
        ('other.no_correction', 'legal_service', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 法律服务机构'),
        ('other.no_correction', 'org_other', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 其他'),
        ('other.no_correction', 'total', '三、（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 / 总计'),
        ('other.fee_unpaid', 'natural_person', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 自然人'),
        ('other.fee_unpaid', 'commercial', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 商业企业'),
        ('other.fee_unpaid', 'research', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 科研机构'),
        ('other.fee_unpaid', 'social_welfare', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 社会公益组织'),
        ('other.fee_unpaid', 'legal_service', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 法律服务机构'),
        ('other.fee_unpaid', 'org_other', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 其他'),
        ('other.fee_unpaid', 'total', '三、（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 / 总计'),
        ('other.misc', 'natural_person', '三、（六）其他处理 3.其他 / 自然人'),
        ('other.misc', 'commercial', '三、（六）其他处理 3.其他 / 商业企业'),
        ('other.misc', 'research', '三、（六）其他处理 3.其他 / 科研机构'),
        ('other.misc', 'social_welfare', '三、（六）其他处理 3.其他 / 社会公益组织'),
        ('other.misc', 'legal_service', '三、（六）其他处理 3.其他 / 法律服务机构'),
        ('other.misc', 'org_other', '三、（六）其他处理 3.其他 / 其他'),
        ('other.misc', 'total', '三、（六）其他处理 3.其他 / 总计'),
        ('total', 'natural_person', '三、（七）总计 / 自然人'),
        ('total', 'commercial', '三、（七）总计 / 商业企业'),
        ('total', 'research', '三、（七）总计 / 科研机构'),
        ('total', 'social_welfare', '三、（七）总计 / 社会公益组织'),
        ('total', 'legal_service', '三、（七）总计 / 法律服务机构'),
        ('total', 'org_other', '三、（七）总计 / 其他'),
        ('total', 'total', '三、（七）总计 / 总计'),
        ('carry_forward', 'natural_person', '三、四、结转下年度继续办理 / 自然人'),
        ('carry_forward', 'commercial', '三、四、结转下年度继续办理 / 商业企业'),
        ('carry_forward', 'research', '三、四、结转下年度继续办理 / 科研机构'),
        ('carry_forward', 'social_welfare', '三、四、结转下年度继续办理 / 社会公益组织'),
        ('carry_forward', 'legal_service', '三、四、结转下年度继续办理 / 法律服务机构'),
        ('carry_forward', 'org_other', '三、四、结转下年度继续办理 / 其他'),
        ('carry_forward', 'total', '三、四、结转下年度继续办理 / 总计'),
    ),
    'appeals': (
        ('review', 'upheld', '四、行政复议 / 结果维持'),
        ('review', 'corrected', '四、行政复议 / 结果纠正'),
        ('review', 'other', '四、行政复议 / 其他结果'),
        ('review', 'pending', '四、行政复议 / 尚未审结'),
        ('review', 'total', '四、行政复议 / 总计'),
        ('suit_direct', 'upheld', '四、行政诉讼 未经复议直接起诉 / 结果维持'),
        ('suit_direct', 'corrected', '四、行政诉讼 未经复议直接起诉 / 结果纠正'),
        ('suit_direct', 'other', '四、行政诉讼 未经复议直接起诉 / 其他结果'),
        ('suit_direct', 'pending', '四、行政诉讼 未经复议直接起诉 / 尚未审结'),
        ('suit_direct', 'total', '四、行政诉讼 未经复议直接起诉 / 总计'),
        ('suit_after_review', 'upheld', '四、行政诉讼 复议后起诉 / 结果维持'),
        ('suit_after_review', 'corrected', '四、行政诉讼 复议后起诉 / 结果纠正'),
        ('suit_after_review', 'other', '四、行政诉讼 复议后起诉 / 其他结果'),
        ('suit_after_review', 'pending', '四、行政诉讼 复议后起诉 / 尚未审结'),
        ('suit_after_review', 'total', '四、行政诉讼 复议后起诉 / 总计'),
    ),
}
FIGURES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    'new_received': ('requests', ('new_received',), ('total',)),
    'carried_over': ('requests', ('carried_over',), ('total',)),
    'granted': ('requests', ('granted',), ('total',)),
    'partial': ('requests', ('partial',), ('total',)),
    'denied': ('requests', ('denied.state_secret', 'denied.law_prohibited', 'denied.security_stability', 'denied.third_party', 'denied.internal_affairs', 'denied.process_info', 'denied.enforcement_file', 'denied.admin_query'), ('total',)),
    'unable': ('requests', ('unable.not_held', 'unable.needs_creation', 'unable.still_unclear'), ('total',)),
    'not_processed': ('requests', ('not_processed.petition', 'not_processed.duplicate', 'not_processed.publication', 'not_processed.excessive', 'not_processed.confirm_reissue'), ('total',)),
    'other_processed': ('requests', ('other', 'other.no_correction', 'other.fee_unpaid', 'other.misc'), ('total',)),
    'results_total': ('requests', ('total',), ('total',)),
    'carry_forward': ('requests', ('carry_forward',), ('total',)),
    'natural_person_received': ('requests', ('new_received',), ('natural_person',)),
    'org_received': ('requests', ('new_received',), ('commercial', 'research', 'social_welfare', 'legal_service', 'org_other')),
    'review_total': ('appeals', ('review',), ('total',)),
    'review_corrected': ('appeals', ('review',), ('corrected',)),
    'review_pending': ('appeals', ('review',), ('pending',)),
    'suit_total': ('appeals', ('suit_direct', 'suit_after_review'), ('total',)),
    'suit_corrected': ('appeals', ('suit_direct', 'suit_after_review'), ('corrected',)),
    'suit_pending': ('appeals', ('suit_direct', 'suit_after_review'), ('pending',)),
    'licensing_decisions': ('proactive', ('licensing',), ('decisions',)),
    'penalties_decisions': ('proactive', ('penalties',), ('decisions',)),
    'coercion_decisions': ('proactive', ('coercion',), ('decisions',)),
    'fee_amount_wan': ('proactive', ('admin_fees',), ('fee_amount_wan',)),
}
AMOUNT_COLS: tuple[str, ...] = ('fee_amount_wan', 'procurement_amount')

FIGURE_ZH: dict[str, str] = {
    "new_received": "本年新收政府信息公开申请数量", "carried_over": "上年结转政府信息公开申请数量",
    "granted": "予以公开", "partial": "部分公开", "denied": "不予公开", "unable": "无法提供", "not_processed": "不予处理",
    "other_processed": "其他处理", "results_total": "办理结果总计", "carry_forward": "结转下年度继续办理",
    "natural_person_received": "本年新收申请（自然人）", "org_received": "本年新收申请（法人或其他组织）",
    "review_total": "行政复议总计", "review_corrected": "行政复议结果纠正", "review_pending": "行政复议尚未审结",
    "suit_total": "行政诉讼总计", "suit_corrected": "行政诉讼结果纠正", "suit_pending": "行政诉讼尚未审结",
    "licensing_decisions": "行政许可本年处理决定数量", "penalties_decisions": "行政处罚本年处理决定数量",
    "coercion_decisions": "行政强制本年处理决定数量", "fee_amount_wan": "行政事业性收费本年收费金额（万元）",
}
RATE_ZH: dict[str, str] = {
    "disclosure_rate": "公开率（予以公开+部分公开）/办理结果总计", "granted_share": "予以公开占比",
    "partial_share": "部分公开占比", "denied_share": "不予公开占比", "unable_share": "无法提供占比",
    "not_processed_share": "不予处理占比", "other_share": "其他处理占比",
    "review_correction_rate": "行政复议纠错率（纠正/已审结）", "litigation_correction_rate": "行政诉讼纠错率（纠正/已审结）",
}
YOY_FIGURES = ("new_received", "results_total", "review_total", "suit_total")
TABLE_TITLES = {"proactive": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
                "appeals": "四、政府信息公开行政复议、行政诉讼情况"}
REPORT_KEYS = "ar.district_code, ar.agency_id, ar.agency_name, ar.year, ar.report_id, ar.version, ar.template_version"
DISTRICT_YEARS = """SELECT DISTINCT a.district_code, x.year
    FROM (SELECT agency_id, year FROM reports UNION SELECT agency_id, year FROM run_agencies) x
    JOIN agencies a ON a.id = x.agency_id"""
RECREATED = ("v_active_cells", "v_proactive_wide", "v_requests_wide", "v_appeals_wide", "v_agency_year_figures",
             "v_district_year", "v_kpi_agency_year", "v_kpi_district_year")


def wide_column(row: str, col: str) -> str:
    return f"{row.replace('.', '_')}__{col}"


def _is_amount(table: str, col: str) -> bool:
    return table == "proactive" and col in AMOUNT_COLS


def _figure_is_amount(name: str) -> bool:
    t, _rows, cols = FIGURES[name]
    return all(_is_amount(t, c) for c in cols)


def _pick(rows: Sequence[str], cols: Sequence[str]) -> str:
    return f"f.row_code IN ({', '.join(repr(x) for x in rows)}) AND f.col_code IN ({', '.join(repr(x) for x in cols)})"


def _rate(num: str, den: str, typed: bool) -> str:
    return f"CAST({num} AS DOUBLE PRECISION) / NULLIF({den}, 0)" if typed else f"1.0 * ({num}) / NULLIF({den}, 0)"


def _kpis(x: str, typed: bool) -> list[str]:
    total = f"{x}.results_total"
    parts = {
        "disclosure_rate": f"COALESCE({x}.granted, 0) + COALESCE({x}.partial, 0)",
        "granted_share": f"COALESCE({x}.granted, 0)", "partial_share": f"COALESCE({x}.partial, 0)",
        "denied_share": f"COALESCE({x}.denied, 0)", "unable_share": f"COALESCE({x}.unable, 0)",
        "not_processed_share": f"COALESCE({x}.not_processed, 0)", "other_share": f"COALESCE({x}.other_processed, 0)",
    }
    out = [f"{_rate(num, total, typed)} AS {name}" for name, num in parts.items()]
    for name, fig in (("review_correction_rate", "review"), ("litigation_correction_rate", "suit")):
        out.append(f"{_rate(f'COALESCE({x}.{fig}_corrected, 0)', f'{x}.{fig}_total - COALESCE({x}.{fig}_pending, 0)', typed)}"
                   f" AS {name}")
    return out


def _yoy(cur: str, prev: str, figure: str, typed: bool) -> list[str]:
    return [f"{prev}.{figure} AS {figure}_prev", f"{cur}.{figure} - {prev}.{figure} AS {figure}_change",
            f"{_rate(f'{cur}.{figure} - {prev}.{figure}', f'{prev}.{figure}', typed)} AS {figure}_change_pct"]


def views(typed: bool = True) -> dict[str, str]:
    """View name → SELECT in creation order; ``typed=False`` gives 0003's shapes (for the downgrade)."""
    def count(expr: str) -> str:
        return f"CAST({expr} AS BIGINT)" if typed else expr

    amount_cols = ", ".join(repr(c) for c in AMOUNT_COLS)
    is_amount = f"(f.table_code = 'proactive' AND f.col_code IN ({amount_cols}))"
    v: dict[str, str] = {}
    extra = ""
    if typed:
        titles = " ".join(f"WHEN '{t}' THEN '{z}'" for t, z in TABLE_TITLES.items())
        extra = (f",\n       CASE f.table_code {titles} END AS table_title_zh,"
                 f"\n       CASE WHEN {is_amount} THEN NULL ELSE CAST(f.value AS BIGINT) END AS value_count,"
                 f"\n       CASE WHEN {is_amount} THEN f.value END AS value_amount")
    v["v_active_cells"] = f"""
SELECT ar.district_code, ar.agency_id, ar.agency_name, ar.year, ar.report_id, ar.template_version,
       f.table_code, f.row_code, f.col_code,
       CASE WHEN ar.template_version = 'v2019' THEN COALESCE(dr.label_v2019, dr.label_v2021)
            ELSE COALESCE(dr.label_v2021, dr.label_v2019) END AS row_label,
       CASE WHEN ar.template_version = 'v2019' THEN COALESCE(dc.label_v2019, dc.label_v2021)
            ELSE COALESCE(dc.label_v2021, dc.label_v2019) END AS col_label,
       f.value, f.raw, f.blank, f.ambiguous, f.seq{extra}
FROM v_active_reports ar
JOIN fact_cells f ON f.report_id = ar.report_id
LEFT JOIN dim_rows dr ON dr.table_code = f.table_code AND dr.code = f.row_code
LEFT JOIN dim_cols dc ON dc.table_code = f.table_code AND dc.code = f.col_code"""
    for table, cells in WIDE.items():
        cols = ",\n       ".join(
            (lambda e: e if _is_amount(table, c) else count(e))(
                f"MAX(CASE WHEN f.row_code = '{r}' AND f.col_code = '{c}' THEN f.value END)") + f" AS {wide_column(r, c)}"
            for r, c, _ in cells)
        v[f"v_{table}_wide"] = f"""
SELECT {REPORT_KEYS},
       {cols}
FROM v_active_reports ar
LEFT JOIN fact_cells f ON f.report_id = ar.report_id AND f.table_code = '{table}'
GROUP BY {REPORT_KEYS}"""
    figs = ",\n       ".join(
        (lambda e, n=name: e if _figure_is_amount(n) else count(e))(
            f"SUM(CASE WHEN f.table_code = '{t}' AND {_pick(rows, cols)} THEN f.value END)") + f" AS {name}"
        for name, (t, rows, cols) in FIGURES.items())
    v["v_agency_year_figures"] = f"""
SELECT {REPORT_KEYS},
       {figs}
FROM v_active_reports ar
LEFT JOIN fact_cells f ON f.report_id = ar.report_id
GROUP BY {REPORT_KEYS}"""
    sums = ",\n       ".join(
        f"{f'SUM(fig.{n})' if _figure_is_amount(n) else count(f'SUM(fig.{n})')} AS {n}, COUNT(fig.{n}) AS {n}_n"
        for n in FIGURES)
    v["v_district_year"] = f"""
SELECT dy.district_code, d.name AS district_name, dy.year,
       (SELECT COUNT(*) FROM agencies ra WHERE ra.district_code = dy.district_code AND ra.registered)
           AS agencies_registered,
       COUNT(fig.report_id) AS agencies_reporting,
       {sums}
FROM ({DISTRICT_YEARS}) dy
JOIN districts d ON d.code = dy.district_code
LEFT JOIN v_agency_year_figures fig ON fig.district_code = dy.district_code AND fig.year = dy.year
GROUP BY dy.district_code, d.name, dy.year"""
    kpi_a = ",\n       ".join(_kpis("f", typed) + [e for n in YOY_FIGURES for e in _yoy("f", "p", n, typed)])
    v["v_kpi_agency_year"] = f"""
SELECT f.district_code, f.agency_id, f.agency_name, f.year, f.report_id, f.template_version,
       f.new_received, f.results_total, f.review_total, f.suit_total,
       {kpi_a}
FROM v_agency_year_figures f
LEFT JOIN v_agency_year_figures p ON p.agency_id = f.agency_id AND p.year = f.year - 1"""
    kpi_d = ",\n       ".join(
        _kpis("k", typed) + [e for n in YOY_FIGURES for e in (*_yoy("k", "p", n, typed), f"p.{n}_n AS {n}_prev_n")])
    v["v_kpi_district_year"] = f"""
SELECT k.district_code, k.district_name, k.year, k.agencies_registered, k.agencies_reporting,
       k.new_received, k.new_received_n, k.results_total, k.results_total_n,
       k.review_total, k.review_total_n, k.suit_total, k.suit_total_n,
       {kpi_d}
FROM v_district_year k
LEFT JOIN v_district_year p ON p.district_code = k.district_code AND p.year = k.year - 1"""
    return v


def labels() -> list[tuple[str, str, str, str]]:
    """(view, column, Chinese label, value kind) of every figure column of the recreated views."""
    out = []
    for table, cells in WIDE.items():
        out += [(f"v_{table}_wide", wide_column(r, c), zh, "amount" if _is_amount(table, c) else "count")
                for r, c, zh in cells]
    kind = {n: "amount" if _figure_is_amount(n) else "count" for n in FIGURES}
    for n, zh in FIGURE_ZH.items():
        out.append(("v_agency_year_figures", n, zh, kind[n]))
        out.append(("v_district_year", n, f"{zh}（各机关之和）", kind[n]))
        out.append(("v_district_year", f"{n}_n", f"{zh}：填报机关数", "count"))
    for view in ("v_kpi_agency_year", "v_kpi_district_year"):
        out += [(view, n, FIGURE_ZH[n], "count") for n in YOY_FIGURES]
        out += [(view, n, zh, "rate") for n, zh in RATE_ZH.items()]
        for n in YOY_FIGURES:
            out += [(view, f"{n}_prev", f"{FIGURE_ZH[n]}（上年）", "count"),
                    (view, f"{n}_change", f"{FIGURE_ZH[n]}（同比增减）", "count"),
                    (view, f"{n}_change_pct", f"{FIGURE_ZH[n]}（同比增减率）", "rate")]
    return out


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def upgrade() -> None:
    for name in reversed(RECREATED):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, select in views(typed=True).items():
        op.execute(f"CREATE VIEW {name} AS{select}")
    rows = ",\n  ".join(f"({', '.join(_quote(x) for x in row)})" for row in labels())
    op.execute("CREATE VIEW v_column_labels AS SELECT column1 AS view_name, column2 AS column_name, "
               f"column3 AS label_zh, column4 AS value_kind FROM (VALUES\n  {rows}) AS t")
    if op.get_bind().dialect.name == "postgresql":
        for view, column, zh, kind in labels():
            op.execute(f"COMMENT ON COLUMN {view}.{column} IS {_quote(f'{zh} ({kind})')}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS v_column_labels")
    for name in reversed(RECREATED):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, select in views(typed=False).items():
        op.execute(f"CREATE VIEW {name} AS{select}")
