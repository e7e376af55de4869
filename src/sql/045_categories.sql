-- ---------------------------------------------------------------------------
-- categories: component (部件) and event (事件) classes, hotline and dispute
-- categories, as data; and the component registry (16-digit 部件标识码).
--
-- SQLSTATEs: GG121 unknown category / component class, GG128 shipped row
-- deleted or recoded, GG129 component grid outside its county; 22P02 malformed
-- component identifier.
-- ---------------------------------------------------------------------------

CREATE TABLE gridgov.categories (
    code            text COLLATE pg_catalog."C" PRIMARY KEY,
    name            text NOT NULL CHECK (pg_catalog.length(name) BETWEEN 1 AND 100),
    kind            text GENERATED ALWAYS AS (
                        CASE pg_catalog.left(code, 1) WHEN 'C' THEN 'component' WHEN 'E' THEN 'event'
                                                      WHEN 'H' THEN 'hotline' WHEN 'D' THEN 'dispute' END) STORED,
    parent          text COLLATE pg_catalog."C" GENERATED ALWAYS AS (
                        CASE WHEN pg_catalog.length(code) > 3
                             THEN pg_catalog.left(code, pg_catalog.length(code) - 2) END) STORED
                    REFERENCES gridgov.categories (code),
    default_urgency text NOT NULL DEFAULT 'normal' CHECK (default_urgency IN ('normal', 'urgent', 'emergency')),
    workflow        text NOT NULL CHECK (workflow ~ '^[a-z][a-z0-9_]{0,62}$')
                    CONSTRAINT categories_workflow_fkey REFERENCES gridgov.workflows (name) ON UPDATE CASCADE,
    active          boolean NOT NULL DEFAULT true,
    builtin         boolean NOT NULL DEFAULT false,
    modified        boolean NOT NULL DEFAULT false,
    -- A kind letter and 2 digits per level: C + major 2 + minor 2 for components
    -- (they mirror digits 7-10 of the 16-digit component identifier), E/H/D + up
    -- to three 2-digit levels for events, hotline and dispute categories.
    CONSTRAINT categories_code_format CHECK (
        code ~ '^[CEHD][0-9]{2}([0-9]{2}){0,2}$' AND (code !~ '^C' OR pg_catalog.length(code) <= 5))
);
CREATE INDEX categories_parent ON gridgov.categories (parent);

COMMENT ON TABLE gridgov.categories IS
    'Case categories as data: component classes (C + major 2 + minor 2, e.g. C0101 上水井盖), event classes (E0102 暴露垃圾), 12345 hotline categories (H...), disputes (D...). A major class is its own row and the parent of its minor classes. Shipped rows (builtin) are a GB/T 30428.2-style default set that cities edit, deactivate or extend.';
COMMENT ON COLUMN gridgov.categories.code IS
    'Kind letter C/E/H/D then 2 digits per level (up to 3 levels; components 2 levels), e.g. C01, C0101, E0402, H0901';
COMMENT ON COLUMN gridgov.categories.name IS 'Name, e.g. 上水井盖';
COMMENT ON COLUMN gridgov.categories.kind IS 'Derived from the first letter: component (C, 部件), event (E, 事件), hotline (H), dispute (D)';
COMMENT ON COLUMN gridgov.categories.parent IS 'Derived: the code without its last 2 digits (NULL for a major class); must exist';
COMMENT ON COLUMN gridgov.categories.default_urgency IS 'Urgency a new case gets when none is given: normal, urgent or emergency';
COMMENT ON COLUMN gridgov.categories.workflow IS
    'Workflow of its cases (grid_event for C and E, hotline for H, dispute for D when not given on insert)';
COMMENT ON COLUMN gridgov.categories.active IS 'Inactive categories stay for old cases; deactivate instead of deleting';
COMMENT ON COLUMN gridgov.categories.builtin IS 'Maintained by gridgov: the row ships with the extension (values written here are ignored)';
COMMENT ON COLUMN gridgov.categories.modified IS 'Maintained by gridgov: a shipped row was changed since install, so pg_dump keeps it';

-- The shipped set.  Urgency: n normal, u urgent, e emergency.
INSERT INTO gridgov.categories (code, name, default_urgency, workflow, builtin)
SELECT v.code, v.name,
       CASE v.u WHEN 'u' THEN 'urgent' WHEN 'e' THEN 'emergency' ELSE 'normal' END,
       CASE pg_catalog.left(v.code, 1) WHEN 'H' THEN 'hotline' WHEN 'D' THEN 'dispute' ELSE 'grid_event' END,
       true
FROM (VALUES
    -- 部件 (components), GB/T 30428.2-2013 / CJ/T 214-2007 style; see docs/routing.md
    ('C01', '公用设施', 'n'),
    ('C0101', '上水井盖', 'n'), ('C0102', '污水井盖', 'n'), ('C0103', '雨水井盖', 'n'),
    ('C0104', '雨水箅子', 'n'), ('C0105', '电力井盖', 'n'), ('C0106', '路灯井盖', 'n'),
    ('C0107', '通讯井盖', 'n'), ('C0108', '电视井盖', 'n'), ('C0109', '网络井盖', 'n'),
    ('C0110', '热力井盖', 'n'), ('C0111', '燃气井盖', 'n'), ('C0112', '公安井盖', 'n'),
    ('C0113', '无主井盖', 'n'), ('C0114', '消防栓', 'n'), ('C0115', '路灯', 'n'),
    ('C0116', '景观灯', 'n'), ('C0117', '电力设施', 'n'), ('C0118', '通讯交接箱', 'n'),
    ('C0119', '邮筒', 'n'), ('C0120', '报刊亭', 'n'), ('C0121', '电话亭', 'n'),
    ('C0122', '高压线铁塔', 'n'), ('C0123', '变压器', 'n'), ('C0124', '燃气调压箱', 'n'),
    ('C02', '道路交通', 'n'),
    ('C0201', '停车场', 'n'), ('C0202', '停车咪表', 'n'), ('C0203', '公交站亭', 'n'),
    ('C0204', '出租车站牌', 'n'), ('C0205', '道路护栏', 'n'), ('C0206', '交通标志牌', 'n'),
    ('C0207', '交通信号灯', 'n'), ('C0208', '过街天桥', 'n'), ('C0209', '地下通道', 'n'),
    ('C0210', '跨河桥', 'n'), ('C0211', '路名牌', 'n'), ('C0212', '隔音屏', 'n'),
    ('C0213', '防撞桩', 'n'), ('C0214', '非机动车停放点', 'n'),
    ('C03', '市容环境', 'n'),
    ('C0301', '公共厕所', 'n'), ('C0302', '化粪池', 'n'), ('C0303', '垃圾间', 'n'),
    ('C0304', '果皮箱', 'n'), ('C0305', '垃圾转运站', 'n'), ('C0306', '广告牌匾', 'n'),
    ('C0307', '灯箱霓虹灯', 'n'), ('C0308', '宣传栏', 'n'),
    ('C04', '园林绿化', 'n'),
    ('C0401', '古树名木', 'n'), ('C0402', '行道树', 'n'), ('C0403', '护树设施', 'n'),
    ('C0404', '花架花钵', 'n'), ('C0405', '绿地', 'n'), ('C0406', '雕塑', 'n'),
    ('C0407', '街头座椅', 'n'), ('C0408', '绿地护栏', 'n'), ('C0409', '喷泉', 'n'),
    ('C05', '房屋土地', 'n'),
    ('C0501', '人防设施', 'n'), ('C0502', '文物古迹', 'n'), ('C0503', '危旧房屋', 'n'),
    ('C0504', '公共空地', 'n'),
    ('C06', '其他设施', 'n'),
    ('C0601', '重大危险源', 'n'), ('C0602', '工地', 'n'), ('C0603', '水域附属设施', 'n'),
    ('C0604', '健身设施', 'n'), ('C0605', '监控电子眼', 'n'), ('C0606', '治安岗亭', 'n'),
    -- 事件 (events)
    ('E01', '市容环境', 'n'),
    ('E0101', '私搭乱建', 'n'), ('E0102', '暴露垃圾', 'n'), ('E0103', '积存垃圾渣土', 'n'),
    ('E0104', '道路不洁', 'n'), ('E0105', '水域不洁', 'n'), ('E0106', '绿地脏乱', 'n'),
    ('E0107', '废弃家具设备', 'n'), ('E0108', '废弃车辆', 'n'), ('E0109', '乱堆物堆料', 'n'),
    ('E0110', '沿街晾晒', 'n'), ('E0111', '动物尸体', 'n'), ('E0112', '露天焚烧', 'u'),
    ('E02', '宣传广告', 'n'),
    ('E0201', '非法小广告', 'n'), ('E0202', '违章张贴悬挂广告牌匾', 'n'), ('E0203', '占道广告牌', 'n'),
    ('E0204', '街头散发广告', 'n'), ('E0205', '违规横幅标语', 'n'),
    ('E03', '施工管理', 'n'),
    ('E0301', '施工扰民', 'n'), ('E0302', '工地扬尘', 'n'), ('E0303', '道路遗撒', 'n'),
    ('E0304', '施工占道', 'n'), ('E0305', '无证掘路', 'n'), ('E0306', '施工废弃料', 'n'),
    ('E04', '突发事件', 'u'),
    ('E0401', '道路塌陷', 'e'), ('E0402', '自来水管破裂', 'u'), ('E0403', '燃气管道破裂', 'e'),
    ('E0404', '下水道堵塞或破损', 'u'), ('E0405', '热力管道破裂', 'u'), ('E0406', '道路积水', 'u'),
    ('E0407', '道路积雪结冰', 'u'), ('E0408', '架空线缆损坏', 'u'), ('E0409', '火灾隐患', 'e'),
    ('E05', '街面秩序', 'n'),
    ('E0501', '无照经营游商', 'n'), ('E0502', '流浪乞讨', 'n'), ('E0503', '占道废品收购', 'n'),
    ('E0504', '店外经营', 'n'), ('E0505', '机动车乱停放', 'n'), ('E0506', '非机动车乱停放', 'n'),
    ('E0507', '黑车拉客', 'n'), ('E0508', '露天烧烤', 'n'), ('E0509', '占道经营', 'n'),
    ('E99', '其他', 'n'),
    ('E9901', '其他事件', 'n'),
    -- 12345 hotline
    ('H01', '城乡建设', 'n'), ('H0101', '违法建设', 'n'), ('H0102', '征收拆迁', 'n'), ('H0103', '市政设施', 'n'),
    ('H02', '城市管理', 'n'), ('H0201', '环境卫生', 'n'), ('H0202', '街面秩序', 'n'), ('H0203', '违规占道', 'n'),
    ('H03', '环境保护', 'n'), ('H0301', '大气污染', 'n'), ('H0302', '水污染', 'n'), ('H0303', '垃圾分类', 'n'),
    ('H04', '交通运输', 'n'), ('H0401', '公交线路', 'n'), ('H0402', '出租车', 'n'), ('H0403', '道路拥堵', 'n'),
    ('H0404', '停车管理', 'n'),
    ('H05', '住房保障', 'n'), ('H0501', '保障性住房', 'n'), ('H0502', '不动产登记', 'n'),
    ('H06', '物业管理', 'n'), ('H0601', '物业服务', 'n'), ('H0602', '维修资金', 'n'),
    ('H07', '供暖', 'n'), ('H0701', '室温不达标', 'n'), ('H0702', '停暖', 'u'),
    ('H08', '水电气', 'n'), ('H0801', '停水', 'u'), ('H0802', '停电', 'u'), ('H0803', '燃气', 'u'),
    ('H09', '噪声扰民', 'n'), ('H0901', '施工噪声', 'n'), ('H0902', '社会生活噪声', 'n'), ('H0903', '交通噪声', 'n'),
    ('H10', '劳动社保', 'n'), ('H1001', '拖欠工资', 'n'), ('H1002', '社会保险', 'n'),
    ('H11', '市场监管', 'n'), ('H1101', '食品安全', 'n'), ('H1102', '消费维权', 'n'), ('H1103', '价格', 'n'),
    ('H12', '教育', 'n'), ('H1201', '入学', 'n'), ('H1202', '校外培训', 'n'),
    ('H13', '卫生健康', 'n'), ('H1301', '医疗服务', 'n'), ('H1302', '公共卫生', 'n'),
    ('H14', '公共安全', 'n'), ('H1401', '社会治安', 'n'), ('H1402', '消防安全', 'u'),
    ('H15', '咨询建议', 'n'), ('H1501', '政策咨询', 'n'), ('H1502', '意见建议', 'n'),
    ('H99', '其他', 'n'),
    -- 矛盾纠纷 (disputes, mediation)
    ('D01', '邻里纠纷', 'n'), ('D0101', '噪声纠纷', 'n'), ('D0102', '通行采光纠纷', 'n'), ('D0103', '漏水纠纷', 'n'),
    ('D02', '婚姻家庭纠纷', 'n'), ('D0201', '婚姻纠纷', 'n'), ('D0202', '赡养抚养纠纷', 'n'), ('D0203', '继承纠纷', 'n'),
    ('D03', '劳资纠纷', 'n'), ('D0301', '欠薪纠纷', 'n'), ('D0302', '工伤纠纷', 'n'),
    ('D04', '物业纠纷', 'n'),
    ('D05', '土地纠纷', 'n'), ('D0501', '承包地纠纷', 'n'), ('D0502', '宅基地纠纷', 'n'),
    ('D06', '损害赔偿纠纷', 'n'),
    ('D07', '消费纠纷', 'n'),
    ('D08', '交通事故纠纷', 'n'),
    ('D09', '医疗纠纷', 'n'),
    ('D99', '其他纠纷', 'n')
) AS v(code, name, u);

SELECT pg_catalog.pg_extension_config_dump('gridgov.categories', 'WHERE NOT builtin OR modified');

CREATE FUNCTION gridgov.categories_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    shipped boolean;
BEGIN
    PERFORM gridgov.trigger_check('categories_guard', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    IF TG_OP = 'DELETE' THEN
        IF OLD.builtin THEN
            RAISE EXCEPTION USING ERRCODE = 'GG128',
                MESSAGE = pg_catalog.format('category %s (%s) ships with gridgov and cannot be deleted', OLD.code, OLD.name),
                DETAIL = 'A dump and restore would bring it back.',
                HINT = pg_catalog.format('Deactivate it instead: UPDATE gridgov.categories SET active = false WHERE code = %L.', OLD.code);
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.workflow IS NULL THEN
        NEW.workflow := CASE pg_catalog.left(NEW.code, 1) WHEN 'H' THEN 'hotline'
                                                          WHEN 'D' THEN 'dispute' ELSE 'grid_event' END;
    END IF;

    IF TG_OP = 'INSERT' THEN
        -- A row for a shipped, unchanged code replaces it (this is how pg_restore
        -- brings back a changed shipped row after CREATE EXTENSION made it).
        -- In the relation fired on: under Citus each copy of the reference
        -- table (TG_TABLE_NAME, a shard) does so for itself.
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM gridgov.%I c '
                                  'WHERE c.code = $1 AND c.builtin AND NOT c.modified)', TG_TABLE_NAME)
            INTO shipped USING NEW.code;
        IF shipped THEN
            EXECUTE pg_catalog.format('UPDATE gridgov.%I c SET name = $2, default_urgency = $3, '
                                      'workflow = $4, active = $5 WHERE c.code = $1', TG_TABLE_NAME)
                USING NEW.code, NEW.name, NEW.default_urgency, NEW.workflow, NEW.active;
            RETURN NULL;
        END IF;
        NEW.builtin := false;
        NEW.modified := false;
        RETURN NEW;
    END IF;

    IF OLD.builtin AND NEW.code <> OLD.code THEN
        RAISE EXCEPTION USING ERRCODE = 'GG128',
            MESSAGE = pg_catalog.format('category %s (%s) ships with gridgov and cannot be recoded', OLD.code, OLD.name),
            HINT = 'Add a category with the new code and deactivate this one.';
    END IF;
    NEW.builtin := OLD.builtin;
    NEW.modified := OLD.modified
        OR (OLD.builtin AND (NEW.name, NEW.default_urgency, NEW.workflow, NEW.active)
                            IS DISTINCT FROM (OLD.name, OLD.default_urgency, OLD.workflow, OLD.active));
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.categories_guard() IS
    'Trigger: fills workflow from the kind, keeps builtin/modified, refuses to delete or recode shipped categories (GG128), and lets an INSERT of a shipped unchanged code replace it (restore)';

CREATE TRIGGER categories_guard BEFORE INSERT OR UPDATE OR DELETE ON gridgov.categories
    FOR EACH ROW EXECUTE FUNCTION gridgov.categories_guard();
-- Also under session_replication_role = replica (docs/backup.md).
ALTER TABLE gridgov.categories ENABLE ALWAYS TRIGGER categories_guard;

-- Component registry ------------------------------------------------------------

CREATE FUNCTION gridgov.objcode_class(objcode text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
DECLARE
    bad integer;
BEGIN
    IF objcode ~ '^[0-9]{16}$' THEN
        RETURN 'C' || pg_catalog.substr(objcode, 7, 4);
    END IF;
    bad := pg_catalog.regexp_instr(objcode, '[^0-9]');
    RAISE EXCEPTION USING ERRCODE = '22P02',
        MESSAGE = pg_catalog.format('invalid component identifier "%s"',
                                    CASE WHEN pg_catalog.length(objcode) > 40
                                         THEN pg_catalog.left(objcode, 40) || '...' ELSE objcode END),
        DETAIL = CASE WHEN bad > 0
                      THEN pg_catalog.format('Character "%s" at position %s is not a digit; a component identifier (部件标识码) has 16 digits: county 6, major class 2, minor class 2, serial 6.',
                                             pg_catalog.substr(objcode, bad, 1), bad)
                      ELSE pg_catalog.format('It has %s digits; a component identifier (部件标识码) has 16: county 6, major class 2, minor class 2, serial 6.',
                                             pg_catalog.length(objcode)) END;
END
$$;
COMMENT ON FUNCTION gridgov.objcode_class(text) IS
    'Component class of a 16-digit component identifier: C + its digits 7-10 (3205080101000001 → C0101); 22P02 when it is not 16 digits';

CREATE TABLE gridgov.components (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    objcode       text COLLATE pg_catalog."C" NOT NULL UNIQUE CHECK (objcode ~ '^[0-9]{16}$'),
    category      text COLLATE pg_catalog."C" NOT NULL GENERATED ALWAYS AS ('C' || pg_catalog.substr(objcode, 7, 4)) STORED
                  REFERENCES gridgov.categories (code),
    location      geometry(Point, 4326),
    grid          gridgov.gridcode,
    owner_id      bigint REFERENCES gridgov.departments (id),
    maintainer_id bigint REFERENCES gridgov.departments (id),
    state         text NOT NULL DEFAULT 'normal'
                  CHECK (state IN ('normal', 'damaged', 'missing', 'occupied', 'removed')),
    attrs         jsonb NOT NULL DEFAULT '{}',
    CONSTRAINT components_attrs_object CHECK (pg_catalog.jsonb_typeof(attrs) = 'object')
);
CREATE INDEX components_location ON gridgov.components USING gist (location);
CREATE INDEX components_grid ON gridgov.components (grid);
CREATE INDEX components_owner ON gridgov.components (owner_id);
CREATE INDEX components_maintainer ON gridgov.components (maintainer_id);
CREATE INDEX components_category ON gridgov.components (category);

COMMENT ON TABLE gridgov.components IS
    'Component registry (部件): one row per managed object (manhole cover, lamp, kiosk...) with its 16-digit identifier, class, location, owner (权属单位) and maintainer (养护单位). Component cases route to the owner first (先属主).';
COMMENT ON COLUMN gridgov.components.objcode IS
    'Component identifier (部件标识码), 16 digits: county 6 + major class 2 + minor class 2 + serial 6, e.g. 3205080101000001';
COMMENT ON COLUMN gridgov.components.category IS 'Derived: C + digits 7-10 of objcode; must be a category (GG121 otherwise)';
COMMENT ON COLUMN gridgov.components.location IS 'Position in WGS-84 (SRID 4326); NULL when not surveyed';
COMMENT ON COLUMN gridgov.components.grid IS 'Grid the component stands in (optional); must lie in the county of objcode (GG129)';
COMMENT ON COLUMN gridgov.components.owner_id IS 'Owning department (权属单位); NULL when unknown (无主)';
COMMENT ON COLUMN gridgov.components.maintainer_id IS 'Maintaining department (养护单位), used for routing when the owner is unknown or inactive';
COMMENT ON COLUMN gridgov.components.state IS 'normal (完好), damaged (破损), missing (丢失), occupied (占用) or removed (拆除)';
COMMENT ON COLUMN gridgov.components.attrs IS 'Free attributes (material, shape, survey date, address...) as a JSON object';

SELECT pg_catalog.pg_extension_config_dump('gridgov.components', '');
SELECT pg_catalog.pg_extension_config_dump('gridgov.components_id_seq', '');

CREATE FUNCTION gridgov.components_check() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    cls text;
    county gridgov.gridcode;
BEGIN
    PERFORM gridgov.trigger_check('components_check', TG_RELID, TG_WHEN, TG_LEVEL, TG_OP);
    cls := gridgov.objcode_class(NEW.objcode);   -- 22P02 when malformed
    county := pg_catalog.left(NEW.objcode, 6)::gridgov.gridcode;
    IF NEW.objcode IS NULL THEN
        RETURN NEW;                                    -- NOT NULL says so
    END IF;
    IF NOT EXISTS (SELECT 1 FROM gridgov.categories c WHERE c.code = cls) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG121',
            MESSAGE = pg_catalog.format('unknown component class %s in component identifier %s', cls, NEW.objcode),
            DETAIL = 'Digits 7-10 of a component identifier are its major and minor class, which must be a category.',
            HINT = pg_catalog.format('Add the class first: INSERT INTO gridgov.categories (code, name) VALUES (%L, ...).', cls);
    END IF;
    IF NEW.grid IS NOT NULL AND NOT (county OPERATOR(gridgov.@>) NEW.grid) THEN
        RAISE EXCEPTION USING ERRCODE = 'GG129',
            MESSAGE = pg_catalog.format('component %s belongs to county %s but its grid %s lies outside it',
                                        NEW.objcode, county, NEW.grid),
            DETAIL = 'The first 6 digits of a component identifier are the county it stands in.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION gridgov.components_check() IS
    'Trigger: objcode is 16 digits (22P02), its class is a category (GG121), its grid lies in its county (GG129)';

CREATE TRIGGER components_check BEFORE INSERT OR UPDATE OF objcode, grid ON gridgov.components
    FOR EACH ROW EXECUTE FUNCTION gridgov.components_check();
