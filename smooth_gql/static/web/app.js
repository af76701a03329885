var e,t,n,r,i,a,o,s,c,l,u=Symbol.for(`pv`),d={},f=[],p=/^m(i|n|o|s|text|space)$/,m=Array.isArray,h=f.slice,g=Object.assign;function _(e){e&&e.parentNode&&e.remove()}function v(n,r,i,a,o){var s={type:n,props:r,key:i,ref:a,__k:null,__:null,__b:0,__e:null,__c:null,constructor:u,__v:o||++t,__i:-1,__u:0};return!o&&e.vnode&&e.vnode(s),s}function y(e){return e.children}function b(e,t){this.props=e,this.context=t,this.__g=0}function x(e,t){if(t==null)return e.__&&x(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!=`function`||e.props.__P?null:x(e)}function S(t){var n,r=t.__v,i=r.__e,a=[],o=[],s=t.__P;s&&((n=g({constructor:u},r)).__v=r.__v+1,e.vnode&&e.vnode(n),j(s,n,r,t.__n,s.namespaceURI,32&r.__u?[i]:null,a,i||x(r),32&r.__u,o),n.__v=r.__v,n.__.__k[n.__i]=n,M(a,n,o),r.__=r.__e=null,n.__e!=i&&C(n))}function C(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),C(e)}function w(t){(8&t.__g||(t.__g|=8,n.push(t),i++))&&r==e.debounceRendering||((r=e.debounceRendering)||queueMicrotask)(T)}function T(){try{for(var e,t=1;n.length;)n.length>t&&n.sort(a),e=n.shift(),t=n.length,8&e.__g&&S(e)}finally{(i=n.length)&&(r||queueMicrotask)(T)}}function ee(e,t,n,r,i,a,o,s,c,l,u){var p,m,h,g,_,v,y=r.__k||f,b=t.length;for(c=E(n,t,y,c,b),p=0;p<b;p++)(h=n.__k[p])!=null&&(m=~h.__i&&y[h.__i]||d,h.__i=p,v=j(e,h,m,i,a,o,s,c,l,u),g=h.__e,(m.ref!=h.ref||8&m.__u)&&(m.ref&&N(m.ref,null,h,m),h.ref&&u.push(h.ref,h.__c||g,h)),_||=g,4&h.__u?(c=D(h,c,e,!m.__v),m.__e&&(m.__e=null)):typeof h.type==`function`&&v!==void 0?c=v:g&&(c=g.nextSibling),h.__u&=-21);return n.__e=_,c}function E(e,t,n,r,i){var a,o,s,c,l,d,f,p,h,g=n.length,_=g,b=0,S=0,C=e.__k=Array(i);for(a=0;a<i;a++)(o=t[a])!=null&&typeof o!=`boolean`&&typeof o!=`function`?(typeof o!=`object`||o.constructor===String?o=C[a]=v(null,o):m(o)?o=C[a]=v(y,{children:o}):o.constructor===u&&o.__b?o=C[a]=v(o.type,o.props,o.key,o.ref,o.__v):C[a]=o,c=a+b,o.__=e,o.__b=e.__b+1,s=null,~(l=o.__i=O(o,n,c,_))&&(_--,(s=n[l])&&(s.__u|=2)),s&&s.__v?(o.__u|=16,l==c-1?b--:l==c+1?b++:l!=c&&(l>c?b--:b++,S=1)):(~l||(i>g?b--:i<g&&b++),typeof o.type!=`function`&&(o.__u|=4))):C[a]=null;if(S){for(d=[],f=[],a=0;a<i;a++)if((o=C[a])&&16&o.__u){for(b=0,p=d.length;b<p;)d[h=b+p>>1]<o.__i?b=h+1:p=h;d[b]=o.__i,f[a]=b+1}for(b=d.length;a--;)f[a]&&(f[a]==b?b--:C[a].__u|=4)}if(_)for(a=0;a<g;a++)!(s=n[a])||2&s.__u||(s.__e==r&&(r=x(s)),ae(s,s));return r}function D(e,t,n,r){var i,a,o,s;if(typeof e.type==`function`){if(e.props.__P)return t;if(i=e.__k)for(a=0;a<i.length;a++)i[a]&&(i[a].__=e,t=D(i[a],t,n,!1));return t}for(t&&!t.parentNode&&(t=x(e))&&!t.parentNode&&(t=null),o=e.__e,s=t;s&&s.nodeType==8;)s=s.nextSibling;for(o!=s&&(!r&&n.moveBefore&&o.parentNode?n.moveBefore(o,t):n.insertBefore(o,t||null)),t=o;(t&&=t.nextSibling)&&t.nodeType==8&&!t.data.startsWith(`$s`););return t}function O(e,t,n,r){var i,a=e.key,o=e.type,s=t[n],c=s&&!(2&s.__u);if(s===null&&a==null||c&&a==s.key&&o==s.type)return n;if(r>+!!c){for(i=n-1;i>=0;i--)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i;for(i=n+1;i<t.length;i++)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i}return-1}function k(e,t,n){n??=``,t[0]==`-`?e.setProperty(t,n):e[t]=n}function A(e,t,n,r,i){var a,o;if(t==`style`){if(typeof n==`string`)e.style.cssText=n;else{if(typeof r==`string`&&(e.style.cssText=r=``),r)for(t in r)n&&t in n||k(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||k(e.style,t,n[t])}}else if(t[0]==`o`&&t[1]==`n`)typeof n!=`function`&&(n=null),typeof r!=`function`&&(r=null),(e.__e||={})[t]=n,n&&r||(o=l[t]||(l[t]=te(t)),(e.__a||={})[t]=c,a=t!=(t=t.replace(s,`$1`)),(t=t.slice(2))[0]<`a`&&(t=t.toLowerCase()),n?e.addEventListener(t,o,a):e.removeEventListener(t,o,a));else{if(i==`http://www.w3.org/2000/svg`)t=t.replace(/xlink(H|:h)/,`h`).replace(/sName$/,`s`);else if(t!=`width`&&t!=`height`&&t!=`href`&&t!=`list`&&t!=`form`&&t!=`tabIndex`&&t!=`download`&&t!=`rowSpan`&&t!=`colSpan`&&t!=`role`&&t!=`popover`&&t in e)try{e[t]=n??``;return}catch{}if(typeof n==`function`)return;n==null||!1===n&&t[4]!=`-`?e.removeAttribute(t):e.setAttribute(t,t==`popover`&&n==1?``:n)}}function te(t){return function(n){var r=this.__e;if(r){if(r=r[t],n[o]==null)n[o]=c++;else if(n[o]<this.__a[t])return;return r(e.event?e.event(n):n)}}}function j(t,n,r,i,a,o,s,c,l,d){var p,h,v,S,C,w,T,E,D,O,k,A,te,j,M,N,P,F,I=n.type;if(n.constructor!==u)return null;128&r.__u&&(l=32&r.__u,p=r.__c.__z)&&(n.__u|=l,h=o=[],p.nodeType==8?c=ne(p,o):o.push(p),c=o[0]||c),(p=e.__b)&&p(n);e:if(typeof I==`function`){v=s.length;try{if(E=n.props,D=(p=I.prototype)&&p.render,O=(p=I.contextType)&&i[p.__c],k=p?O?O.props.value:p.__:i,(S=r.__c)?(n.__c=S,2&S.__g&&(S.__g|=1)):(D?n.__c=S=new I(E,k):(n.__c=S=new b(E,k),S.constructor=I,S.render=oe),O&&O.sub(S),S.state||(S.state={}),S.__n=i,S.__g|=8,S.__h=[],S.__k=[]),D&&(S.__s||(S.__s=S.state),I.getDerivedStateFromProps&&(S.__s==S.state&&(S.__s=g({},S.__s)),g(S.__s,I.getDerivedStateFromProps(E,S.__s)))),C=S.props,w=S.state,S.__v=n,r.__c){if(E!==C&&D&&!I.getDerivedStateFromProps&&S.componentWillReceiveProps&&S.componentWillReceiveProps(E,k),n.__v==r.__v&&!(8&S.__g)||!(4&S.__g)&&S.shouldComponentUpdate&&!1===S.shouldComponentUpdate(E,S.__s,k)){n.__v!=r.__v&&(S.props=E,S.state=S.__s,S.__g&=-9),n.__e=r.__e,n.__k=r.__k,n.__k.some(function(e){e&&(e.__=n)}),f.push.apply(S.__h,S.__k),S.__k=[],S.__h.length&&s.push(S),c=x(r);break e}S.componentWillUpdate&&S.componentWillUpdate(E,S.__s,k),D&&S.componentDidUpdate&&S.__h.push(function(){S.componentDidUpdate(C,w,T)})}else D&&!I.getDerivedStateFromProps&&S.componentWillMount&&S.componentWillMount(),D&&S.componentDidMount&&S.__h.push(S.componentDidMount);S.context=k,S.props=E,S.__P=t,S.__g&=-5,A=e.__r,te=D?25:0;do S.__g&=-9,A&&A(n),p=S.render(S.props,S.state=S.__s,S.context);while(8&S.__g&&++te<25);D&&(f.push.apply(S.__h,S.__k),S.__k=[]),S.state=S.__s,S.getChildContext&&(i=g({},i,S.getChildContext())),D&&r.__c&&S.getSnapshotBeforeUpdate&&(T=S.getSnapshotBeforeUpdate(C,w)),j=p&&p.type===y&&p.key==null?p.props.children:p,E.__P&&(p=c,a=(t=E.__P).namespaceURI,l=o=null,r.props&&r.props.__P!=t&&(r.__k.some(function(e){e&&ae(e,e)}),r.__k=null),c=r.__k?x(r,0):null),c=ee(t,m(j)?j:[j],n,r,i,a,o,s,c,l,d),E.__P&&(n.__e=null,c=p),n.__u&=-161,h&&h.some(_),S.__h.length&&s.push(S),1&S.__g&&(S.__g&=-4)}catch(t){if(s.length=v,n.__v=null,l||o){if(t&&t.then){if(n.__u|=128|l,o){for(~(P=o.indexOf(c||void 0))||(P=o.length);(F=o[P-1])&&F.nodeType==8;)P--;for(;P<o.length;P++)if(F=o[P]){if(o[P]=null,M){if(F==N)break}else{if(F.nodeType!=8)break;F.data.startsWith(`$s`)&&(N=ne(M=F))}}}if(!M){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;M=c}(p=ne(M=n.__c.__z||(n.__c.__z=M)))?(n.__e=M,c=p):n.__e=c,c&&=c.nextSibling}else o&&o.some(_)}else n.__e=r.__e;n.__k||=r.__k||[],t&&t.then||re(n),e.__e(t,n,r)}}else c=n.__e=ie(r.__e,n,r,i,a,o,s,l,d,t);return(p=e.diffed)&&p(n),c}function ne(e,t){if(e&&e.nodeType==8&&e.data.startsWith(`$s`))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith(`$s`))n++;else if(e.data.startsWith(`/$s`)&&!--n)return e}t&&t.push(e)}}function re(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(re))}function M(t,n,r){for(var i=0;i<r.length;)N(r[i++],r[i++],r[i++]);e.__c&&e.__c(n,t),t.some(function(n){try{t=n.__h,n.__h=[],t.some(function(e){e.call(n)})}catch(t){e.__e(t,n.__v)}})}function ie(t,n,r,i,a,o,s,c,l,u){var f,g,v,y,b,S,C,w,T=r.props||d,E=n.props,D=n.type;if(D==`svg`?a=`http://www.w3.org/2000/svg`:D==`math`?a=`http://www.w3.org/1998/Math/MathML`:a||=`http://www.w3.org/1999/xhtml`,o){for(f=0;f<o.length;f++)if((b=o[f])&&(D?b.localName==D:b.nodeType==3)){t=b,o[f]=null;break}}if(!t){if(w=u.ownerDocument||document,!D)return w.createTextNode(E);t=w.createElementNS(a,D,E.is?E:u),c&&=(e.__m&&e.__m(n,o),!1),o=null}if(D){if(u=D==`template`&&t.content||t,o=D==`textarea`&&E.defaultValue!=null?null:o&&h.call(u.childNodes),!c&&o)for(T={},f=0;f<t.attributes.length;f++)T[(b=t.attributes[f]).name]=b.value;for(f in T)b=T[f],f==`dangerouslySetInnerHTML`?v=b:f==`children`||f in E||f==`value`&&`defaultValue`in E||f==`checked`&&`defaultChecked`in E||A(t,f,null,b,a);for(f in E)b=E[f],f==`children`?y=b:f==`dangerouslySetInnerHTML`?g=b:f==`value`?S=b:f==`checked`?C=b:c&&typeof b!=`function`||T[f]===b||A(t,f,b,T[f],a);g?(c||v&&(g.__html==v.__html||g.__html==t.innerHTML)||(t.innerHTML=g.__html),n.__k=[]):(v&&(t.textContent=``),(D==`foreignObject`||a==`http://www.w3.org/1998/Math/MathML`&&p.test(D))&&(a=`http://www.w3.org/1999/xhtml`),ee(u,m(y)?y:[y],n,r,i,a,o,s,o?o[0]:r.__k&&x(r,0),c,l),o&&o.some(_)),c&&D!=`textarea`||(f=`value`,D==`progress`&&S==null?t.removeAttribute(f):S==null||S===t[f]&&(D!=`progress`||S)||A(t,f,S,T[f],a),f=`checked`,C!=null&&C!=t[f]&&A(t,f,C,T[f],a))}else T===E||c&&t.data==E||(t.data=E);return t}function N(t,n,r,i){try{typeof t==`function`?n?n.__x=t(n)||1:(i&&=i.__c||i.__e)&&(n=i.__x)&&(i.__x=null,typeof n==`function`?n():t(null)):t.current=n}catch(t){e.__e(t,r)}}function ae(t,n,r){var i,a,o,s;if(e.unmount&&e.unmount(t),!(i=t.ref)||i.current&&i.current!=t.__e||N(i,null,n,t),i=t.__c){if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(t){e.__e(t,n)}i.__P=i.__n=null}if(i=t.__k)for(s=0;s<i.length;s++)i[s]&&ae(i[s],n,typeof t.type!=`function`||r&&!t.props.__P);!r&&(i=t.__c)&&(i=i.__z)&&(a=ne(i,o=[]))&&(i==t.__e&&o.some(_),_(a),_(i)),r||_(t.__e),t.__e=t.__c=t.__=null}function oe(e,t,n){return this.constructor(e,n)}function P(t,n){var r,i,a,o;e.__&&e.__(t,n),n.nodeType==9&&(n=n.documentElement),i=(r=t&&32&t.__u)?null:n.__k,n.__k=v(y,{children:[t]}),a=[],o=[],j(n,n.__k,i||d,d,n.namespaceURI,i?null:n.firstChild?h.call(n.childNodes):null,a,i?i.__e:n.firstChild,r,o),M(a,n.__k,o),n.__k.props.children=null}e={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(t){e=t}}throw i=0,e}},t=0,b.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=g({},this.state)),typeof e==`function`&&(e=e(g({},n),this.props)),e&&(g(n,e),this.__v&&(t&&this.__k.push(t),w(this)))},b.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),w(this))},b.prototype.render=y,n=[],i=0,a=function(e,t){return e.__v.__b-t.__v.__b},o=Symbol(),s=/(PointerCapture)$|Capture$/i,c=0,l={};var F,I,se,ce,le=Object.is,ue=0,de=[],fe=[],L=e,pe=L.__b,me=L.__r,he=L.diffed,ge=L.__c,_e=L.unmount,ve=L.__;function ye(e,t){L.__h&&L.__h(I,e,ue||t),ue=0;var n=I.__H||(I.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function R(e){return ue=1,be(Ae,e)}function be(e,t,n){var r=ye(F++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):Ae(void 0,t),function(e){var t=(r.__N||r.__)[0],n=r.t(t,e);le(t,n)||(r.__N=[n,r.__[1]],r.__c.setState({}))}],r.__c=I,!I.__f)){I.__f=!0;var i=I.shouldComponentUpdate;I.shouldComponentUpdate=function(e,t,n){var r=this.__H;if(!r)return!0;var a=!1,o=this.props!=e;if(r.__.some(function(e){e.__N&&(a=!0,le(e.__[0],e.__N[0])||(o=!0))}),i){var s=i.call(this,e,t,n);return a?s||o:s}return!a||o}}return r.__}function z(e,t){var n=ye(F++,3);!L.__s&&ke(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,I.__H.__h.push(n))}function xe(e,t){var n=ye(F++,4);!L.__s&&ke(n.__H,t)&&(n.__P=!1,n.__=e,n.u=t,I.__h.push(n))}function B(e){return ue=5,Se(function(){return{current:e}},[])}function Se(e,t){var n=ye(F++,7);return ke(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function Ce(){var e;do{for(;e=fe.shift();)try{De(e)}catch(t){L.__e(t,{__:(e=e.__P)&&e.__v})}for(;e=de.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(De),t.__h.some(Oe),t.__h=[]}catch(n){t.__h=[],L.__e(n,e.__v)}}}while(fe.length)}L.__b=function(e){I=null,pe&&pe(e)},L.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),ve&&ve(e,t)},L.__r=function(e){me&&me(e),F=0;var t=(I=e.__c).__H;t&&(se==I?I.__h=[]:(t.__h.some(De),t.__h.some(Oe),F=0),t.__h=[],t.__.some(function(e){e.__N&&(e.__=e.__N),e.u=e.__N=void 0})),se=I},L.diffed=function(e){he&&he(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Ee(de.push(t)),t.__H.__.some(function(e){e.u&&(e.__H=e.u)})),se=I=null},L.__c=function(e,t){t.some(function(e){try{e.__h.some(De),e.__h=e.__h.filter(function(e){return!e.__||Oe(e)})}catch(t){e.__h=[function(){throw t}]}}),ge&&ge(e,t)},L.unmount=function(e){_e&&_e(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n&&=n.__c}r.__P=n,Ee(fe.push(r))}else De(r)}catch(e){t=e}}),r.__H=void 0,t&&L.__e(t,r.__v))};var we=typeof requestAnimationFrame==`function`;function Te(e){var t,n=function(){clearTimeout(r),we&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);we&&(t=requestAnimationFrame(n))}function Ee(e){e!=1&&ce==L.requestAnimationFrame||((ce=L.requestAnimationFrame)||Te)(Ce)}function De(e){var t=I,n=e.__c;typeof n==`function`&&(e.__c=void 0,n()),I=t}function Oe(e){var t=I;e.__c=e.__(),I=t}function ke(e,t){return!e||e.length!=t.length||t.some(function(t,n){return!le(t,e[n])})}function Ae(e,t){return typeof t==`function`?t(e):t}function V(e){return e===null?`null`:Array.isArray(e)?`array`:typeof e}function H(e){return V(e)===`object`}function je(e){return Array.isArray(e)&&e.length>0&&e.every(e=>`message`in e)}function Me(e,t){return e.length<124?e:t}var U=(e=>(e[e.InternalServerError=4500]=`InternalServerError`,e[e.InternalClientError=4005]=`InternalClientError`,e[e.BadRequest=4400]=`BadRequest`,e[e.BadResponse=4004]=`BadResponse`,e[e.Unauthorized=4401]=`Unauthorized`,e[e.Forbidden=4403]=`Forbidden`,e[e.SubprotocolNotAcceptable=4406]=`SubprotocolNotAcceptable`,e[e.ConnectionInitialisationTimeout=4408]=`ConnectionInitialisationTimeout`,e[e.ConnectionAcknowledgementTimeout=4504]=`ConnectionAcknowledgementTimeout`,e[e.SubscriberAlreadyExists=4409]=`SubscriberAlreadyExists`,e[e.TooManyInitialisationRequests=4429]=`TooManyInitialisationRequests`,e))(U||{}),W=(e=>(e.ConnectionInit=`connection_init`,e.ConnectionAck=`connection_ack`,e.Ping=`ping`,e.Pong=`pong`,e.Subscribe=`subscribe`,e.Next=`next`,e.Error=`error`,e.Complete=`complete`,e))(W||{});function Ne(e){if(!H(e))throw Error(`Message is expected to be an object, but got ${V(e)}`);if(!e.type)throw Error(`Message is missing the 'type' property`);if(typeof e.type!=`string`)throw Error(`Message is expects the 'type' property to be a string, but got ${V(e.type)}`);switch(e.type){case`connection_init`:case`connection_ack`:case`ping`:case`pong`:if(e.payload!=null&&!H(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object or nullish or missing, but got "${e.payload}"`);break;case`subscribe`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!H(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${V(e.payload)}`);if(typeof e.payload.query!=`string`)throw Error(`"${e.type}" message payload expects the 'query' property to be a string, but got ${V(e.payload.query)}`);if(e.payload.variables!=null&&!H(e.payload.variables))throw Error(`"${e.type}" message payload expects the 'variables' property to be a an object or nullish or missing, but got ${V(e.payload.variables)}`);if(e.payload.operationName!=null&&V(e.payload.operationName)!==`string`)throw Error(`"${e.type}" message payload expects the 'operationName' property to be a string or nullish or missing, but got ${V(e.payload.operationName)}`);if(e.payload.extensions!=null&&!H(e.payload.extensions))throw Error(`"${e.type}" message payload expects the 'extensions' property to be a an object or nullish or missing, but got ${V(e.payload.extensions)}`);break;case`next`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!H(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an object, but got ${V(e.payload)}`);break;case`error`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);if(!je(e.payload))throw Error(`"${e.type}" message expects the 'payload' property to be an array of GraphQL errors, but got ${JSON.stringify(e.payload)}`);break;case`complete`:if(typeof e.id!=`string`)throw Error(`"${e.type}" message expects the 'id' property to be a string, but got ${V(e.id)}`);if(!e.id)throw Error(`"${e.type}" message requires a non-empty 'id' property`);break;default:throw Error(`Invalid message 'type' property "${e.type}"`)}return e}function Pe(e,t){return Ne(typeof e==`string`?JSON.parse(e,t):e)}function G(e,t){return Ne(e),JSON.stringify(e,t)}function Fe(e){let{url:t,connectionParams:n,lazy:r=!0,onNonLazyError:i=console.error,lazyCloseTimeout:a=0,keepAlive:o=0,disablePong:s,connectionAckWaitTimeout:c=0,retryAttempts:l=5,retryWait:u=async function(e){let t=2**e;await new Promise(e=>setTimeout(e,t*1e3+Math.floor(Math.random()*2700+300)))},shouldRetry:d=Le,on:f,webSocketImpl:p,generateID:m=function(){return`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`.replace(/[xy]/g,e=>{let t=Math.random()*16|0;return(e==`x`?t:t&3|8).toString(16)})},jsonMessageReplacer:h,jsonMessageReviver:g}=e,_;if(p){if(!ze(p))throw Error(`Invalid WebSocket implementation provided`);_=p}else typeof WebSocket<`u`?_=WebSocket:typeof global<`u`?_=global.WebSocket||global.MozWebSocket:typeof window<`u`&&(_=window.WebSocket||window.MozWebSocket);if(!_)throw Error("WebSocket implementation missing; on Node you can `import WebSocket from 'ws';` and pass `webSocketImpl: WebSocket` to `createClient`");let v=_,y=(()=>{let e=(()=>{let e={};return{on(t,n){return e[t]=n,()=>{delete e[t]}},emit(t){`id`in t&&e[t.id]?.(t)}}})(),t={connecting:f?.connecting?[f.connecting]:[],opened:f?.opened?[f.opened]:[],connected:f?.connected?[f.connected]:[],ping:f?.ping?[f.ping]:[],pong:f?.pong?[f.pong]:[],message:f?.message?[e.emit,f.message]:[e.emit],closed:f?.closed?[f.closed]:[],error:f?.error?[f.error]:[]};return{onMessage:e.on,on(e,n){let r=t[e];return r.push(n),()=>{let e=r.indexOf(n);e>-1&&r.splice(e,1)}},emit(e,...n){for(let r of[...t[e]])r(...n)}}})();function b(e){let t=[y.on(`error`,n=>{t.forEach(e=>e()),e(n)}),y.on(`closed`,n=>{t.forEach(e=>e()),e(n)})];return()=>t.forEach(e=>e())}let x,S=0,C,w=!1,T=0,ee=!1;async function E(){clearTimeout(C);let[e,r]=await(x??=new Promise((e,r)=>(async()=>{if(w){if(await u(T),!S)return x=void 0,r({code:1e3,reason:`All Subscriptions Gone`});T++}y.emit(`connecting`,w);let i=new v(typeof t==`function`?await t():t,`graphql-transport-ws`),a,l;function d(){isFinite(o)&&o>0&&(clearTimeout(l),l=setTimeout(()=>{i.readyState===v.OPEN&&(i.send(G({type:W.Ping})),y.emit(`ping`,!1,void 0))},o))}b(e=>{x=void 0,clearTimeout(a),clearTimeout(l),r(e),e instanceof Ie&&(i.close(4499,`Terminated`),i.onerror=null,i.onclose=null)}),i.onerror=e=>y.emit(`error`,e),i.onclose=e=>y.emit(`closed`,e),i.onopen=async()=>{try{y.emit(`opened`,i);let e=typeof n==`function`?await n():n;if(i.readyState!==v.OPEN)return;i.send(G(e?{type:W.ConnectionInit,payload:e}:{type:W.ConnectionInit},h)),isFinite(c)&&c>0&&(a=setTimeout(()=>{i.close(U.ConnectionAcknowledgementTimeout,`Connection acknowledgement timeout`)},c)),d()}catch(e){y.emit(`error`,e),i.close(U.InternalClientError,Me(e instanceof Error?e.message:String(e),`Internal client error`))}};let f=!1;i.onmessage=({data:t})=>{try{let n=Pe(t,g);if(y.emit(`message`,n),n.type===`ping`||n.type===`pong`){y.emit(n.type,!0,n.payload),n.type===`pong`?d():s||(i.send(G(n.payload?{type:W.Pong,payload:n.payload}:{type:W.Pong},h)),y.emit(`pong`,!1,n.payload));return}if(f)return;if(n.type!==W.ConnectionAck)throw Error(`First message cannot be of type ${n.type}`);clearTimeout(a),f=!0,y.emit(`connected`,i,n.payload,w),w=!1,T=0;let r=new Promise((e,t)=>b(t));r.catch(()=>{}),e([i,r])}catch(e){i.onmessage=null,y.emit(`error`,e),i.close(U.BadResponse,Me(e instanceof Error?e.message:String(e),`Bad response`))}}})()));e.readyState===v.CLOSING&&await r;let i=()=>{},l=new Promise(e=>i=e);return[e,i,new Promise((t,n)=>{let i=b(n);e.readyState!==v.OPEN&&r.catch(n),l.then(()=>{if(i(),!S){let t=()=>e.close(1e3,`Normal Closure`);isFinite(a)&&a>0?(clearTimeout(C),C=setTimeout(()=>{!S&&e.readyState===v.OPEN&&t()},a)):t()}t()})})]}function D(e){if(Le(e)&&(Re(e.code)||[U.InternalServerError,U.InternalClientError,U.BadRequest,U.BadResponse,U.Unauthorized,U.SubprotocolNotAcceptable,U.SubscriberAlreadyExists,U.TooManyInitialisationRequests].includes(e.code)))throw e;if(ee)return!1;if(Le(e)&&e.code===1e3)return S>0;if(!l||T>=l||!d(e))throw e;return w=!0}r||(async()=>{for(S++;;)try{let[,,e]=await E();await e}catch(e){try{if(!D(e))return}catch(e){return i?.(e)}}})();function O(e,t){let n=m(e),r=!1,i=!1,a=()=>{S--,r=!0};return(async()=>{for(S++;;)try{let[o,s,c]=await E();if(r)return c.catch(()=>{}),s();let l=y.onMessage(n,e=>{switch(e.type){case W.Next:t.next(e.payload);return;case W.Error:i=!0,r=!0,t.error(e.payload),a();return;case W.Complete:r=!0,a();return}});o.send(G({id:n,type:W.Subscribe,payload:e},h)),a=()=>{!r&&o.readyState===v.OPEN&&o.send(G({id:n,type:W.Complete},h)),S--,r=!0,s()},await c.finally(l);return}catch(e){if(!D(e))return}})().then(()=>{i||t.complete()}).catch(e=>{t.error(e)}),()=>{r||a()}}return{on:y.on,subscribe:O,iterate(e){let t=[],n={done:!1,error:null,resolve:()=>{}},r=O(e,{next(e){t.push(e),n.resolve()},error(e){n.done=!0,n.error=e,n.resolve()},complete(){n.done=!0,n.resolve()}}),i=async function*(){for(;;){for(t.length||await new Promise(e=>n.resolve=e);t.length;)yield t.shift();if(n.error)throw n.error;if(n.done)return}}();return i.throw=async e=>(n.done||(n.done=!0,n.error=e,n.resolve()),{done:!0,value:void 0}),i.return=async()=>(r(),{done:!0,value:void 0}),i},async dispose(){if(ee=!0,x){let[e]=await x;e.close(1e3,`Normal Closure`)}},terminate(){x&&y.emit(`closed`,new Ie)}}}var Ie=class extends Error{name=`TerminatedCloseEvent`;message=`4499: Terminated`;code=4499;reason=`Terminated`;wasClean=!1};function Le(e){return H(e)&&`code`in e&&`reason`in e}function Re(e){return![1e3,1001,1006,1005,1012,1013,1014].includes(e)&&e>=1e3&&e<=1999}function ze(e){return typeof e==`function`&&`constructor`in e&&`CLOSED`in e&&`CLOSING`in e&&`CONNECTING`in e&&`OPEN`in e}var Be=document.body.dataset.graphql??`/graphql`;function Ve(e){return(e??[]).map(e=>({message:e.message,code:e.extensions?.code??`ERROR`,field:e.extensions?.field??null}))}var He=new Set;function Ue(e){return He.add(e),()=>He.delete(e)}async function K(e,t){let n;try{n=await fetch(Be,{method:`POST`,credentials:`same-origin`,headers:{"Content-Type":`application/json`,Accept:`application/json`},body:JSON.stringify({query:e.toString(),variables:t??{}})})}catch{return{data:null,problems:[{message:`The server cannot be reached.`,code:`NETWORK`,field:null}]}}let r=await n.json().catch(()=>({})),i=Ve(r.errors);return!n.ok&&i.length===0&&i.push({message:`The server answered ${n.status}.`,code:`HTTP`,field:null}),i.some(e=>e.code===`UNAUTHENTICATED`)&&He.forEach(e=>e()),i.length>0||r.data==null?{data:null,problems:i}:{data:r.data,problems:[]}}function We(e,t){return e.find(e=>e.field===t)}function Ge(e,t){return e.filter(e=>e.field===null||!t.includes(e.field))}var q=null;function Ke(){if(q===null){let e=new URL(Be,location.href);e.protocol=e.protocol===`https:`?`wss:`:`ws:`,q=Fe({url:e.toString(),lazy:!0,on:{connected:()=>document.body.dataset.feed=`connected`,closed:()=>document.body.dataset.feed=`closed`},retryAttempts:0})}return q}function qe(){q?.dispose(),q=null}var J=class extends String{__apiType;value;__meta__;constructor(e,t){super(e),this.value=e,this.__meta__=t}toString(){return this.value}};new J(`
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}
    `,{fragmentName:`TablePreset`});var Je=new J(`
    query AuditLog($filter: AuditLogFilter, $after: String) {
  auditLog(filter: $filter, first: 50, after: $after) {
    edges {
      node {
        id
        userId
        timestamp
        operation
        entityType
        entityId
        result
        errorMessage
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `),Ye=new J(`
    query CatalogItems($filter: ToolItemFilter, $after: String) {
  toolItems(filter: $filter, first: 25, after: $after, orderBy: {field: NAME}) {
    totalCount
    edges {
      node {
        id
        name
        category
        manufacturer
        partNumber
        toolType
        tags
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `),Xe=new J(`
    query WhereUsed($id: ID!) {
  toolItem(id: $id) {
    id
    name
    assemblies {
      id
      name
      instances {
        id
        serialNumber
        presets {
          id
          name
          machineId
          toolNumber
        }
      }
    }
    instances {
      id
      serialNumber
      presets {
        id
        name
        machineId
        toolNumber
      }
    }
  }
}
    `),Ze=new J(`
    query InstanceLife($id: ID!) {
  toolInstance(id: $id) {
    id
    serialNumber
    status
    measurements
    toolAssembly {
      id
      name
    }
    usages {
      id
      startTime
      endTime
      cutTime
      cycleCount
      wearMeasurements
      machineId
      programName
    }
  }
}
    `),Qe=new J(`
    query ApiKeys {
  apiKeys {
    id
    name
    scopes
    tags
    machineId
    expiresAt
    revokedAt
    isActive
  }
}
    `),$e=new J(`
    mutation CreateApiKey($name: String!, $scopes: [String!]!, $tags: [String!], $machineId: String) {
  createApiKey(name: $name, scopes: $scopes, tags: $tags, machineId: $machineId) {
    secret
    apiKey {
      id
      name
      scopes
      tags
      machineId
      isActive
    }
  }
}
    `),et=new J(`
    mutation RevokeApiKey($id: ID!) {
  revokeApiKey(id: $id) {
    id
    isActive
    revokedAt
  }
}
    `),tt=new J(`
    query MachineIds($after: String) {
  toolPresets(first: 1000, after: $after, orderBy: {field: MACHINE_ID}) {
    edges {
      node {
        machineId
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    `),nt=new J(`
    query ToolTable($machineId: String!) {
  toolPresets(filter: {machineId: $machineId}, first: 1000) {
    totalCount
    edges {
      node {
        ...TablePreset
      }
    }
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`),rt=new J(`
    query PresetRow($id: ID!) {
  toolPreset(id: $id) {
    ...TablePreset
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`),it=new J(`
    mutation UpdatePreset($input: ToolPresetUpdateInput!) {
  updateToolPresets(input: [$input], atomic: true) {
    results {
      ...TablePreset
    }
    errors {
      code
      message
      field
    }
  }
}
    fragment TablePreset on ToolPreset {
  id
  version
  name
  machineId
  toolNumber
  pocket
  updatedAt
  toolInstance {
    id
    serialNumber
    status
    toolAssembly {
      id
      name
      components {
        role
        position
        item {
          id
          name
          category
          manufacturer
        }
      }
    }
  }
}`),at=new J(`
    subscription Changes($after: String) {
  changes(after: $after) {
    cursor
    entityType
    entityId
    operation
    version
  }
}
    `),ot=new J(`
    query Me {
  me {
    id
    email
    isAdmin
    isActive
  }
}
    `),st=new J(`
    mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) {
    id
    email
    isAdmin
    isActive
  }
}
    `),ct=new J(`
    mutation Register($email: String!, $password: String!) {
  register(email: $email, password: $password) {
    id
    email
    isAdmin
    isActive
  }
}
    `),lt=new J(`
    mutation Logout {
  logout
}
    `),ut=new J(`
    query ToolSets {
  toolSets(first: 200, orderBy: {field: NAME}) {
    edges {
      node {
        id
        name
        version
        type
        status
        machineId
      }
    }
  }
}
    `),dt=new J(`
    query ToolSetDetail($id: ID!) {
  toolSet(id: $id) {
    id
    name
    version
    type
    status
    machineId
    members
    toolPresets {
      id
      name
      toolNumber
      machineId
    }
    toolInstances {
      id
      serialNumber
      status
    }
  }
  toolSetHistory(toolSetId: $id) {
    version
    changedAt
    changedBy
    changeSummary
    isCurrent
  }
}
    `),ft=new J(`
    query CompareToolSetVersions($id: ID!, $a: Int!, $b: Int!) {
  compareToolSetVersions(toolSetId: $id, versionA: $a, versionB: $b) {
    totalChanges
    differences {
      field
      valueA
      valueB
    }
  }
}
    `),pt=new J(`
    mutation RestoreToolSetVersion($id: ID!, $version: Int!) {
  restoreToolSetVersion(toolSetId: $id, version: $version) {
    id
    version
  }
}
    `),mt=new J(`
    query Users {
  users {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `),ht=new J(`
    mutation CreateUser($email: String!, $password: String!, $isAdmin: Boolean!) {
  createUser(email: $email, password: $password, isAdmin: $isAdmin) {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `),gt=new J(`
    mutation UpdateUser($id: ID!, $isAdmin: Boolean, $isActive: Boolean) {
  updateUser(id: $id, isAdmin: $isAdmin, isActive: $isActive) {
    id
    email
    isAdmin
    isActive
    createdAt
  }
}
    `);function _t(){let e=()=>location.hash.replace(/^#\/?/,``).split(`/`).filter(e=>e!==``).map(decodeURIComponent),[t,n]=R(e);return z(()=>{let t=()=>n(e());return window.addEventListener(`hashchange`,t),()=>window.removeEventListener(`hashchange`,t)},[]),t}function Y(...e){return`#/`+e.map(encodeURIComponent).join(`/`)}var vt=Symbol.for(`pv`),yt=0;Array.isArray;function X(t,n,r,i,a,o){n||={};var s,c,l=n;if(`ref`in l&&typeof t!=`function`)for(c in l={},n)c==`ref`?s=n[c]:l[c]=n[c];var u={type:t,props:l,key:r,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:vt,__v:--yt,__i:-1,__u:0};return(a||o)&&(u.__source=a,u.__self=o),e.vnode&&e.vnode(u),u}function Z(e){return X(`label`,{class:We(e.problems,e.name)?`field invalid`:`field`,children:[X(`span`,{children:e.label}),e.children,X(bt,{name:e.name,problems:e.problems})]})}function bt(e){let t=We(e.problems,e.name);return t?X(`em`,{class:`error`,role:`alert`,"data-field":e.name,children:t.message}):null}function Q(e){return e.problems.length===0?null:X(`ul`,{class:`problems`,role:`alert`,children:e.problems.map((e,t)=>X(`li`,{children:e.message},t))})}function $(){return X(`p`,{class:`muted`,children:`Loading…`})}function xt(e){return e?new Date(e).toLocaleString():``}var St=[`read`,`write:*`,`write:items`,`write:presets`,`write:usage`,`write:sets`,`delete:*`,`admin:*`],Ct=[`name`,`scopes`,`machineId`,`tags`];function wt(){let[e,t]=R(null),[n,r]=R([]),i=B(null),a=B(null),o=async()=>{let e=await K(Qe);e.data?t(e.data.apiKeys):r(e.problems)};return z(()=>void o(),[]),X(`section`,{children:[X(`h1`,{children:`API keys`}),X(`p`,{children:X(`button`,{type:`button`,ref:a,onClick:()=>i.current?.showModal(),children:`New API key`})}),X(Q,{problems:n}),e===null?n.length===0&&X($,{}):X(Tt,{keys:e,onRevoked:()=>void o()}),X(`dialog`,{ref:i,"aria-labelledby":`key-dialog-title`,onClose:()=>a.current?.focus(),children:X(Et,{onDone:()=>i.current?.close(),onCreated:()=>void o()})})]})}function Tt(e){let[t,n]=R(new Map),r=async r=>{let i=await K(et,{id:r.id});n(new Map(t).set(r.id,i.problems)),i.data&&e.onRevoked()},i=e=>e.isActive?`active`:e.revokedAt?`revoked ${xt(e.revokedAt)}`:`expired`;return X(`table`,{class:`keys`,children:[X(`thead`,{children:X(`tr`,{children:[`Name`,`Scopes`,`Machine`,`Tags`,`State`,``].map(e=>X(`th`,{scope:`col`,children:e},e))})}),X(`tbody`,{children:e.keys.map(e=>X(`tr`,{"data-id":e.id,children:[X(`td`,{children:e.name}),X(`td`,{children:e.scopes.join(`, `)}),X(`td`,{children:e.machineId??`any`}),X(`td`,{children:e.tags.join(`, `)}),X(`td`,{children:i(e)}),X(`td`,{children:[e.isActive&&X(`button`,{type:`button`,onClick:()=>void r(e),"aria-label":`Revoke ${e.name}`,children:`Revoke`}),X(Q,{problems:t.get(e.id)??[]})]})]},e.id))})]})}function Et(e){let[t,n]=R(null),[r,i]=R(0),a=()=>{n(null),i(r+1),e.onDone()};return t===null?X(Ot,{onCreated:t=>{n(t),e.onCreated()},onCancel:a},r):X(Dt,{secret:t,onDone:a})}function Dt(e){let[t,n]=R(!1),r=B(null);z(()=>r.current?.focus(),[]);let i=async()=>{await navigator.clipboard.writeText(e.secret),n(!0)};return X(`div`,{children:[X(`h2`,{id:`key-dialog-title`,children:`Key created`}),X(`p`,{children:`Copy the secret now: it is shown only this once.`}),X(`p`,{class:`secret`,"data-testid":`secret`,children:e.secret}),X(`button`,{type:`button`,ref:r,onClick:()=>void i(),children:t?`Copied`:`Copy secret`}),` `,X(`button`,{type:`button`,onClick:e.onDone,children:`Done`})]})}function Ot(e){let[t,n]=R(``),[r,i]=R([`read`]),[a,o]=R(``),[s,c]=R(``),[l,u]=R([]),d=async n=>{n.preventDefault();let i=s.split(`,`).map(e=>e.trim()).filter(e=>e!==``),o=await K($e,{name:t,scopes:r,machineId:a.trim()===``?null:a.trim(),tags:i.length>0?i:null});if(o.data===null)return u(o.problems);e.onCreated(o.data.createApiKey.secret)};return X(`form`,{onSubmit:e=>void d(e),children:[X(`h2`,{id:`key-dialog-title`,children:`New API key`}),X(Q,{problems:Ge(l,Ct)}),X(Z,{label:`Name`,name:`name`,problems:l,children:X(`input`,{name:`name`,value:t,onInput:e=>n(e.currentTarget.value),autofocus:!0})}),X(kt,{scopes:r,onToggle:(e,t)=>i(t?[...r,e]:r.filter(t=>t!==e)),problems:l}),X(Z,{label:`Machine (optional: the key works for this machine only)`,name:`machineId`,problems:l,children:X(`input`,{name:`machineId`,value:a,onInput:e=>o(e.currentTarget.value)})}),X(Z,{label:`Tags (optional, comma-separated)`,name:`tags`,problems:l,children:X(`input`,{name:`tags`,value:s,onInput:e=>c(e.currentTarget.value)})}),X(`button`,{type:`submit`,children:`Create key`}),` `,X(`button`,{type:`button`,onClick:e.onCancel,children:`Cancel`})]})}function kt(e){return X(`fieldset`,{children:[X(`legend`,{children:`Scopes`}),St.map(t=>X(`label`,{class:`check`,children:[X(`input`,{type:`checkbox`,name:`scope`,value:t,checked:e.scopes.includes(t),onChange:n=>e.onToggle(t,n.currentTarget.checked)}),` `,t]},t)),X(bt,{name:`scopes`,problems:e.problems})]})}var At=[[`entityType`,`Entity type`],[`entityId`,`Entity id`],[`operation`,`Operation`],[`result`,`Result`],[`userId`,`User id`]];function jt(){let[e,t]=R({}),[n,r]=R([]),[i,a]=R(null),[o,s]=R([]),c=async t=>{let i={};for(let[t]of At)e[t]?.trim()&&(i[t]=e[t].trim());for(let t of[`since`,`until`])e[t]&&(i[t]=new Date(e[t]).toISOString());let o=await K(Je,{filter:i,after:t});if(s(o.problems),o.data===null)return;let c=o.data.auditLog.edges.map(e=>e.node);r(t===null?c:[...n,...c]);let l=o.data.auditLog.pageInfo;a(l.hasNextPage?l.endCursor??null:null)};return z(()=>void c(null),[]),X(`section`,{children:[X(`h1`,{children:`Audit log`}),X(Nt,{filter:e,onChange:t,onSubmit:()=>void c(null)}),X(Q,{problems:o}),X(Mt,{entries:n}),i!==null&&X(`p`,{children:X(`button`,{type:`button`,onClick:()=>void c(i),children:`More`})})]})}function Mt(e){return X(`table`,{class:`audit`,children:[X(`thead`,{children:X(`tr`,{children:[X(`th`,{scope:`col`,children:`When`}),X(`th`,{scope:`col`,children:`Operation`}),X(`th`,{scope:`col`,children:`Entity`}),X(`th`,{scope:`col`,children:`Result`}),X(`th`,{scope:`col`,children:`User`})]})}),X(`tbody`,{children:e.entries.map(e=>X(`tr`,{children:[X(`td`,{children:xt(e.timestamp)}),X(`td`,{children:e.operation}),X(`td`,{children:[e.entityType,` `,X(`small`,{class:`muted`,children:e.entityId})]}),X(`td`,{children:[e.result,e.errorMessage&&X(`small`,{class:`error`,children:[` `,e.errorMessage]})]}),X(`td`,{children:X(`small`,{children:e.userId})})]},e.id))})]})}function Nt(e){let t=t=>n=>e.onChange({...e.filter,[t]:n.currentTarget.value}),n=(n,r)=>X(`label`,{children:[r,X(`input`,{name:n,value:e.filter[n]??``,onInput:t(n)})]},n),r=(n,r)=>X(`label`,{children:[r,X(`input`,{name:n,type:`datetime-local`,value:e.filter[n]??``,onInput:t(n)})]},n);return X(`form`,{class:`filters`,onSubmit:t=>{t.preventDefault(),e.onSubmit()},children:[At.map(([e,t])=>n(e,t)),r(`since`,`Since`),r(`until`,`Until`),X(`button`,{type:`submit`,children:`Filter`})]})}var Pt=[`CUTTING_TOOL`,`HOLDER`,`INSERT`,`ADAPTER`,`PROBE`,`OTHER`];function Ft(e){return{text:e.text.trim()||null,manufacturer:e.manufacturer.trim()||null,category:e.category||null}}function It(){let[e,t]=R({text:``,category:``,manufacturer:``}),[n,r]=R(null),[i,a]=R(0),[o,s]=R(null),[c,l]=R([]),[u,d]=R(null),f=async t=>{let i=await K(Ye,{filter:Ft(e),after:t});if(l(i.problems),i.data===null)return;let o=i.data.toolItems,c=o.edges.map(e=>e.node);r(t===null?c:[...n??[],...c]),a(o.totalCount),s(o.pageInfo.hasNextPage?o.pageInfo.endCursor??null:null)};return z(()=>void f(null),[]),X(`section`,{children:[X(`h1`,{children:`Catalog`}),X(Lt,{filter:e,onChange:t,onSubmit:()=>void f(null)}),X(Q,{problems:c}),n===null?c.length===0&&X($,{}):X(`div`,{class:`row`,children:[X(`div`,{children:[X(`p`,{class:`muted`,children:[n.length,` of `,i,` items`]}),X(Rt,{items:n,selected:u,onSelect:d}),o!==null&&X(`p`,{children:X(`button`,{type:`button`,onClick:()=>void f(o),children:`More`})})]}),u!==null&&X(Bt,{id:u},u)]})]})}function Lt(e){let t=(t,n)=>e.onChange({...e.filter,[t]:n});return X(`form`,{class:`filters`,role:`search`,onSubmit:t=>{t.preventDefault(),e.onSubmit()},children:[X(`label`,{children:[`Search`,` `,X(`input`,{name:`text`,type:`search`,value:e.filter.text,onInput:e=>t(`text`,e.currentTarget.value)})]}),X(`label`,{children:[`Category`,X(`select`,{name:`category`,value:e.filter.category,onChange:e=>t(`category`,e.currentTarget.value),children:[X(`option`,{value:``,children:`any`}),Pt.map(e=>X(`option`,{value:e,children:e.toLowerCase().replace(`_`,` `)},e))]})]}),X(`label`,{children:[`Manufacturer`,` `,X(`input`,{name:`manufacturer`,value:e.filter.manufacturer,onInput:e=>t(`manufacturer`,e.currentTarget.value)})]}),X(`button`,{type:`submit`,children:`Filter`})]})}function Rt(e){return X(`table`,{class:`catalog`,children:[X(`thead`,{children:X(`tr`,{children:[X(`th`,{scope:`col`,children:`Name`}),X(`th`,{scope:`col`,children:`Category`}),X(`th`,{scope:`col`,children:`Manufacturer`}),X(`th`,{scope:`col`,children:`Part number`})]})}),X(`tbody`,{children:e.items.map(t=>X(`tr`,{class:t.id===e.selected?`selected`:void 0,children:[X(`td`,{children:X(`button`,{type:`button`,class:`link`,onClick:()=>e.onSelect(t.id),children:t.name})}),X(`td`,{children:t.category.toLowerCase().replace(`_`,` `)}),X(`td`,{children:t.manufacturer??``}),X(`td`,{children:t.partNumber??``})]},t.id))})]})}function zt(e){let{instance:t}=e;return X(`li`,{children:[`instance `,X(`a`,{href:Y(`instances`,t.id),children:t.serialNumber??t.id}),t.presets.length>0&&X(`ul`,{children:t.presets.map(e=>X(`li`,{children:[`preset `,e.name,` on `,X(`a`,{href:Y(`machines`,e.machineId),children:e.machineId}),e.toolNumber!==null&&e.toolNumber!==void 0&&` (T${e.toolNumber})`]},e.id))})]})}function Bt(e){let[t,n]=R(null),[r,i]=R([]);return z(()=>{K(Xe,{id:e.id}).then(e=>{i(e.problems),n(e.data?.toolItem??null)})},[e.id]),X(`aside`,{class:`panel where-used`,"aria-label":`Where used`,children:[X(Q,{problems:r}),t===null?r.length===0&&X($,{}):X(y,{children:[X(`h2`,{children:[`Where `,t.name,` is used`]}),t.assemblies.length===0&&t.instances.length===0&&X(`p`,{class:`muted`,children:`Nowhere yet.`}),X(`ul`,{children:[t.assemblies.map(e=>X(`li`,{children:[`assembly `,e.name,X(`ul`,{children:e.instances.map(e=>X(zt,{instance:e},e.id))})]},e.id)),t.instances.map(e=>X(zt,{instance:e},e.id))]})]})]})}var Vt=640,Ht=220,Ut=36;function Wt(e){let t=new Map;for(let n of e){let e=n.startTime.slice(0,10),r=t.get(e)??{day:e,cutTime:0,cycles:0};r.cutTime+=n.cutTime??0,r.cycles+=n.cycleCount??0,t.set(e,r)}return[...t.values()].sort((e,t)=>e.day.localeCompare(t.day))}function Gt(e){let{days:t}=e,n=Math.max(1,...t.map(e=>e.cutTime)),r=Math.max(1,...t.map(e=>e.cycles)),i=e=>Ut+(t.length===1?284:e*568/(t.length-1)),a=(e,t)=>184-e*148/t,o=(e,n)=>t.map((t,r)=>`${i(r).toFixed(1)},${a(e(t),n).toFixed(1)}`).join(` `);return X(`svg`,{class:`chart`,viewBox:`0 0 ${Vt} ${Ht}`,width:Vt,height:Ht,role:`img`,"aria-label":`Cut time and cycles per day`,children:[X(`line`,{x1:Ut,y1:184,x2:604,y2:184,stroke:`#999`}),X(`polyline`,{points:o(e=>e.cutTime,n),fill:`none`,stroke:`#0b5cad`,"stroke-width":`2`,class:`cut-time`}),X(`polyline`,{points:o(e=>e.cycles,r),fill:`none`,stroke:`#c75000`,"stroke-width":`2`,"stroke-dasharray":`5 3`,class:`cycles`}),t.map((e,t)=>X(`g`,{children:[X(`circle`,{cx:i(t),cy:a(e.cutTime,n),r:`3`,fill:`#0b5cad`,children:X(`title`,{children:`${e.day}: ${e.cutTime} min cut time, ${e.cycles} cycles`})}),X(`text`,{x:i(t),y:198,"text-anchor":`middle`,children:e.day.slice(5)})]},e.day)),X(`text`,{x:4,y:14,children:[`cut time (max `,n,`)`]}),X(`text`,{x:636,y:14,"text-anchor":`end`,children:[`cycles (max `,r,`)`]})]})}function Kt(e){let[t,n]=R(null),[r,i]=R([]);if(z(()=>{K(Ze,{id:e.id}).then(e=>{i(e.problems),n(e.data?.toolInstance??null)})},[e.id]),t===null)return r.length>0?X(Q,{problems:r}):X($,{});let a=Wt(t.usages),o=[...t.usages].sort((e,t)=>e.startTime.localeCompare(t.startTime));return X(`section`,{children:[X(`h1`,{children:[`Life of `,t.serialNumber??t.id,` `,X(`small`,{class:`muted`,children:[t.toolAssembly?.name,` · `,t.status.toLowerCase()]})]}),a.length===0?X(`p`,{class:`muted`,children:`No usage recorded yet.`}):X(Gt,{days:a}),X(`p`,{class:`muted`,children:[X(`span`,{class:`key-cut`,children:`—`}),` cut time per day, `,X(`span`,{class:`key-cycles`,children:`- -`}),` cycles per day`]}),X(`h2`,{children:`Wear measurements`}),X(qt,{usages:o}),t.measurements!=null&&X(`p`,{children:[`Latest measurements: `,X(`code`,{children:JSON.stringify(t.measurements)})]})]})}function qt(e){return X(`table`,{class:`wear`,children:[X(`thead`,{children:X(`tr`,{children:[X(`th`,{scope:`col`,children:`Used`}),X(`th`,{scope:`col`,children:`Machine`}),X(`th`,{scope:`col`,children:`Program`}),X(`th`,{scope:`col`,children:`Cut time`}),X(`th`,{scope:`col`,children:`Cycles`}),X(`th`,{scope:`col`,children:`Wear`})]})}),X(`tbody`,{children:e.usages.map(e=>X(`tr`,{children:[X(`td`,{children:xt(e.startTime)}),X(`td`,{children:e.machineId??``}),X(`td`,{children:e.programName??``}),X(`td`,{children:e.cutTime??``}),X(`td`,{children:e.cycleCount??``}),X(`td`,{children:e.wearMeasurements==null?``:JSON.stringify(e.wearMeasurements)})]},e.id))})]})}function Jt(){let[e,t]=R(null),[n,r]=R([]);return z(()=>{(async()=>{let e=new Map,n=null;for(;;){let t=await K(tt,{after:n});if(t.data===null)return r(t.problems);for(let{node:n}of t.data.toolPresets.edges)e.set(n.machineId,(e.get(n.machineId)??0)+1);let i=t.data.toolPresets.pageInfo;if(!i.hasNextPage)break;n=i.endCursor??null}t(e)})()},[]),X(`section`,{children:[X(`h1`,{children:`Machines`}),X(Q,{problems:n}),e===null?n.length===0&&X($,{}):e.size===0?X(`p`,{class:`muted`,children:`No machine has a preset yet.`}):X(`ul`,{class:`machines`,children:[...e.entries()].map(([e,t])=>X(`li`,{children:[X(`a`,{href:Y(`machines`,e),children:e}),` `,X(`span`,{class:`muted`,children:[t,` presets`]})]},e))})]})}function Yt(e){let[t,n]=R(``),[r,i]=R(``),[a,o]=R([]),[s,c]=R(!1),l=async n=>{n.preventDefault(),c(!0);let a={email:t,password:r};if(e.firstRun){let e=await K(ct,a);if(e.data===null){o(e.problems),c(!1);return}}let s=await K(st,a);c(!1),i(``),s.data?e.onSignedIn(s.data.login):o(s.problems)};return X(`main`,{class:`sign-in`,children:[X(`h1`,{children:e.firstRun?`Create the first account`:`Sign in`}),e.firstRun&&X(`p`,{children:`This server has no account yet. The first one becomes its admin.`}),X(`form`,{onSubmit:e=>void l(e),children:[X(Q,{problems:Ge(a,[`email`,`password`])}),X(Z,{label:`Email`,name:`email`,problems:a,children:X(`input`,{name:`email`,type:`email`,autocomplete:`username`,required:!0,value:t,onInput:e=>n(e.currentTarget.value)})}),X(Z,{label:`Password`,name:`password`,problems:a,children:X(`input`,{name:`password`,type:`password`,autocomplete:e.firstRun?`new-password`:`current-password`,required:!0,value:r,onInput:e=>i(e.currentTarget.value)})}),X(`button`,{type:`submit`,disabled:s,children:e.firstRun?`Create admin account`:`Sign in`})]})]})}function Xt(e){let[t,n]=R(null),[r,i]=R([]);return z(()=>{K(ut).then(e=>{i(e.problems),n(e.data?e.data.toolSets.edges.map(e=>e.node):null)})},[]),X(`section`,{children:[X(`h1`,{children:`Tool sets`}),X(Q,{problems:r}),X(`div`,{class:`row`,children:[X(`nav`,{"aria-label":`Tool sets`,class:`panel`,children:t===null?r.length===0&&X($,{}):t.length===0?X(`p`,{class:`muted`,children:`No tool set yet.`}):X(`ul`,{children:t.map(t=>X(`li`,{children:[X(`a`,{href:Y(`sets`,t.id),"aria-current":t.id===e.selected?`page`:void 0,children:t.name}),` `,X(`small`,{class:`muted`,children:[`v`,t.version,` · `,t.status.toLowerCase()]})]},t.id))})}),e.selected!==null&&X(Zt,{id:e.selected})]})]})}function Zt(e){let[t,n]=R(null),[r,i]=R([]),[a,o]=R([]),[s,c]=R(null),l=async()=>{let t=await K(dt,{id:e.id});i(t.problems),n(t.data)};z(()=>void l(),[e.id]);let u=(e,t)=>{c(null),o(t?[...a,e].slice(-2).sort((e,t)=>e-t):a.filter(t=>t!==e))},d=async()=>{let[t,n]=a,r=await K(ft,{id:e.id,a:t,b:n});i(r.problems),c(r.data?.compareToolSetVersions??null)},f=async t=>{let n=await K(pt,{id:e.id,version:t});i(n.problems),n.data!==null&&(o([]),c(null),await l())};if(t===null)return r.length>0?X(Q,{problems:r}):X($,{});let p=t.toolSet;return p?X(`div`,{class:`set-detail`,children:[X(`h2`,{children:[p.name,` `,X(`small`,{class:`muted`,children:[`v`,p.version]})]}),X(Q,{problems:r}),X(`div`,{class:`row`,children:[X(Qt,{set:p}),X($t,{versions:t.toolSetHistory,picked:a,onPick:u,onCompare:()=>void d(),onRestore:e=>void f(e)})]}),s&&X(en,{comparison:s,versions:a})]}):X(`p`,{children:`This tool set does not exist (or is not yours).`})}function Qt(e){return X(`div`,{class:`panel`,children:[X(`h3`,{children:`Members`}),X(`ul`,{class:`members`,children:[e.set.toolPresets.map(e=>X(`li`,{children:[`preset `,e.name,` `,e.toolNumber!=null&&`T${e.toolNumber}`,` on`,` `,X(`a`,{href:Y(`machines`,e.machineId),children:e.machineId})]},e.id)),e.set.toolInstances.map(e=>X(`li`,{children:[`instance `,X(`a`,{href:Y(`instances`,e.id),children:e.serialNumber??e.id})]},e.id))]})]})}function $t(e){let{picked:t}=e;return X(`div`,{class:`panel`,children:[X(`h3`,{children:`History`}),X(`table`,{class:`history`,children:X(`tbody`,{children:e.versions.map(n=>X(`tr`,{children:[X(`td`,{children:X(`label`,{children:[X(`input`,{type:`checkbox`,name:`compare`,value:n.version,checked:t.includes(n.version),onChange:t=>e.onPick(n.version,t.currentTarget.checked)}),` `,`v`,n.version,n.isCurrent&&` (current)`]})}),X(`td`,{children:xt(n.changedAt)}),X(`td`,{children:n.changeSummary??``}),X(`td`,{children:!n.isCurrent&&X(`button`,{type:`button`,onClick:()=>e.onRestore(n.version),children:[`Restore v`,n.version]})})]},n.version))})}),X(`button`,{type:`button`,disabled:t.length!==2,onClick:e.onCompare,children:[`Compare `,t.length===2?`v${t[0]} and v${t[1]}`:`two versions`]})]})}function en(e){let{comparison:t,versions:n}=e;return X(`table`,{class:`compare`,"aria-label":`Comparison`,children:[X(`thead`,{children:X(`tr`,{children:[X(`th`,{scope:`col`,children:`Field`}),X(`th`,{scope:`col`,children:[`v`,n[0]]}),X(`th`,{scope:`col`,children:[`v`,n[1]]})]})}),X(`tbody`,{children:[t.totalChanges===0&&X(`tr`,{children:X(`td`,{colSpan:3,children:`No difference.`})}),t.differences.map(e=>X(`tr`,{children:[X(`th`,{scope:`row`,children:e.field}),X(`td`,{children:JSON.stringify(e.valueA,null,1)}),X(`td`,{children:JSON.stringify(e.valueB,null,1)})]},e.field))]})]})}function tn(e,t){let n=e,r=!1,i=()=>void 0,a=()=>{r||(i=Ke().subscribe({query:at.toString(),variables:{after:n}},{next:e=>{let r=e.data?.changes;r&&(n=r.cursor,t(r))},error:()=>setTimeout(a,1e3),complete:()=>setTimeout(a,1e3)}))};return a(),()=>{r=!0,i()}}var nn=[`name`,`toolNumber`,`pocket`];function rn(e,t){if(e.trim()===``)return null;let n=Number(e);return Number.isInteger(n)?n:{message:`Enter a whole number.`,code:`VALIDATION`,field:t}}function an(e,t){let[n,r]=R(e.version),[i,a]=R([]),[o,s]=R(!1),c=async r=>{let i=[rn(r.toolNumber,`toolNumber`),rn(r.pocket,`pocket`)],o=i.filter(e=>typeof e==`object`&&!!e);if(o.length>0)return a(o);let[c,l]=i,u=await K(it,{input:{id:e.id,expectedVersion:n,name:r.name,toolNumber:c,pocket:l}});if(u.data===null)return a(u.problems);let{errors:d,results:f}=u.data.updateToolPresets;s(d.some(e=>e.code===`VERSION_CONFLICT`)),a(d.map(e=>({message:e.message,code:e.code,field:e.field??null}))),d.length===0&&f[0]&&t(f[0])},l=async()=>{let t=await K(rt,{id:e.id});return t.data===null&&a(t.problems),t.data?.toolPreset??null};return{problems:i,conflict:o,save:c,reload:async()=>{let e=await l();e!==null&&t(e)},keepEditing:async()=>{let e=await l();e!==null&&(r(e.version),s(!1),a([]))}}}function on(e){let[t,n]=R({name:e.preset.name,toolNumber:String(e.preset.toolNumber??``),pocket:String(e.preset.pocket??``)}),{problems:r,conflict:i,save:a,reload:o,keepEditing:s}=an(e.preset,t=>{e.onSaved(t),e.onClose()}),c=B(null);z(()=>{i||c.current?.focus()},[i]);let l=(e,i,a)=>X(`label`,{children:[i,` `,X(`input`,{ref:e===`name`?c:void 0,name:e,size:a,value:t[e],onInput:r=>n({...t,[e]:r.currentTarget.value})}),X(bt,{name:e,problems:r})]}),u=i?r.filter(e=>e.code!==`VERSION_CONFLICT`):r;return X(`tr`,{class:`editing`,"data-id":e.preset.id,children:X(`td`,{colSpan:7,children:X(`form`,{class:`inline`,onSubmit:e=>{e.preventDefault(),a(t)},onKeyDown:t=>t.key===`Escape`&&e.onClose(),"aria-label":`Edit preset ${e.preset.name}`,children:[l(`toolNumber`,`T`,4),l(`pocket`,`Pocket`,4),l(`name`,`Name`),X(`button`,{type:`submit`,children:`Save`}),X(`button`,{type:`button`,onClick:e.onClose,children:`Cancel`}),X(Q,{problems:Ge(u,nn)}),i&&X(sn,{onReload:()=>void o(),onKeep:()=>void s()})]})})})}function sn(e){let t=B(null);return z(()=>t.current?.focus(),[]),X(`div`,{class:`conflict`,role:`alert`,children:[`Someone else changed this preset since you opened it.`,` `,X(`button`,{type:`button`,ref:t,onClick:e.onReload,children:`Reload the row`}),` `,X(`button`,{type:`button`,onClick:e.onKeep,children:`Keep my edits`})]})}var cn=5e3;function ln(e,t){return(e.toolNumber??1/0)-(t.toolNumber??1/0)||e.name.localeCompare(t.name)}function un(e,t){if(t.entityType===`TOOL_PRESET`)return[t.entityId];let n=t.entityId,r=e=>{let t=e.toolInstance,r=t?.toolAssembly;return t?.id===n||r?.id===n||(r?.components??[]).some(e=>e.item?.id===n)};return[...e.values()].filter(r).map(e=>e.id)}function dn(e){let[t,n]=R(null),[r,i]=R(new Set),[a,o]=R([]),s=B(new Map),c=e=>{let t=new Map(s.current);e(t),s.current=t,n(t)},l=e=>{i(t=>new Set(t).add(e)),setTimeout(()=>i(t=>new Set([...t].filter(t=>t!==e))),cn)},u=async t=>{let n=await K(rt,{id:t});if(n.data===null)return;let r=n.data.toolPreset;r&&r.machineId===e?(c(e=>e.set(t,r)),l(t)):c(e=>e.delete(t))};return z(()=>{let t=!0,n=async()=>{let n=await K(nt,{machineId:e});if(!t)return;if(n.data===null)return o(n.problems);performance.mark(`tool-table-data`);let r=n.data.toolPresets.edges;c(e=>{e.clear(),r.forEach(({node:t})=>e.set(t.id,t))})},r=Ke().on(`connected`,()=>void n()),i=tn(null,e=>un(s.current,e).forEach(e=>void u(e)));return()=>{t=!1,r(),i()}},[e]),{rows:t,fresh:r,problems:a,saved:e=>c(t=>t.set(e.id,e))}}function fn(e){let{rows:t,fresh:n,problems:r,saved:i}=dn(e.machineId);return X(`section`,{children:[X(`p`,{children:[X(`a`,{href:Y(`machines`),children:`Machines`}),` /`]}),X(`h1`,{children:[`Tool table of `,X(`span`,{class:`machine-id`,children:e.machineId})]}),X(Q,{problems:r}),t===null?r.length===0&&X($,{}):X(y,{children:[X(`p`,{class:`muted`,"aria-live":`polite`,children:[t.size,` presets · live`]}),X(`table`,{class:`tool-table`,"aria-label":`Tool table of ${e.machineId}`,children:[X(`thead`,{children:X(`tr`,{children:[`T`,`Pocket`,`Preset`,`Instance`,`Assembly`,`Items`,`v`].map(e=>X(`th`,{scope:`col`,children:e},e))})}),X(pn,{rows:t,fresh:n,onSaved:i})]})]})]})}function pn(e){let[t,n]=R(null),r=B(null),i=Se(()=>[...e.rows.values()].sort(ln),[e.rows]);xe(()=>{performance.getEntriesByName(`tool-table-data`).length>0&&(r.current?.offsetHeight,performance.measure(`tool-table-render`,`tool-table-data`),performance.clearMarks(`tool-table-data`))},[e.rows]);let a=e=>{let t=e.target;if(t.tagName!==`TR`)return;let i={ArrowDown:t.nextElementSibling,ArrowUp:t.previousElementSibling,Home:r.current?.firstElementChild,End:r.current?.lastElementChild}[e.key];if(i instanceof HTMLElement)i.focus();else if(e.key===`Enter`)n(t.dataset.id??null);else return;e.preventDefault()},o=e=>{n(null),requestAnimationFrame(()=>r.current?.querySelector(`tr[data-id="${e}"]`)?.focus())};return X(`tbody`,{ref:r,onKeyDown:a,children:i.map(r=>t===r.id?X(on,{preset:r,onClose:()=>o(r.id),onSaved:e.onSaved},r.id):X(mn,{row:r,fresh:e.fresh.has(r.id),onEdit:()=>n(r.id)},r.id))})}function mn(e){let{row:t}=e,n=t.toolInstance,r=n?.toolAssembly;return X(`tr`,{tabIndex:0,"data-id":t.id,class:e.fresh?`fresh`:void 0,onDblClick:e.onEdit,children:[X(`td`,{children:t.toolNumber??``}),X(`td`,{children:t.pocket??``}),X(`td`,{children:[t.name,e.fresh&&X(`span`,{class:`badge`,children:`new`})]}),X(`td`,{children:n?X(`a`,{href:Y(`instances`,n.id),children:n.serialNumber??n.id}):`—`}),X(`td`,{children:r?.name??`—`}),X(`td`,{children:(r?.components??[]).map((e,t)=>X(`span`,{class:`item`,children:[e.item?.name??`?`,` `,X(`small`,{children:e.role.toLowerCase()})]},t))}),X(`td`,{children:t.version})]})}function hn(e){let[t,n]=R(null),[r,i]=R([]),[a,o]=R(new Map),s=async()=>{let e=await K(mt);e.data?n(e.data.users):i(e.problems)};z(()=>void s(),[]);let c=async(e,t)=>{let n=await K(gt,{id:e.id,...t});o(new Map(a).set(e.id,n.problems)),n.data&&await s()};return X(`section`,{children:[X(`h1`,{children:`Users`}),X(gn,{onCreated:()=>void s()}),X(Q,{problems:r}),t===null?r.length===0&&X($,{}):X(`table`,{class:`users`,children:[X(`thead`,{children:X(`tr`,{children:[X(`th`,{scope:`col`,children:`Email`}),X(`th`,{scope:`col`,children:`Role`}),X(`th`,{scope:`col`,children:`State`}),X(`th`,{scope:`col`,children:`Since`}),X(`th`,{scope:`col`})]})}),X(`tbody`,{children:t.map(t=>X(_n,{user:t,you:t.id===e.me.id,problems:a.get(t.id)??[],onUpdate:e=>void c(t,e)},t.id))})]})]})}function gn(e){let[t,n]=R(``),[r,i]=R(``),[a,o]=R(!1),[s,c]=R([]),l=async s=>{s.preventDefault();let l=await K(ht,{email:t,password:r,isAdmin:a});c(l.problems),l.data!==null&&(n(``),i(``),o(!1),e.onCreated())};return X(`form`,{class:`panel filters`,onSubmit:e=>void l(e),"aria-label":`New user`,children:[X(Q,{problems:Ge(s,[`email`,`password`])}),X(Z,{label:`Email`,name:`email`,problems:s,children:X(`input`,{name:`email`,value:t,onInput:e=>n(e.currentTarget.value)})}),X(Z,{label:`Password`,name:`password`,problems:s,children:X(`input`,{name:`password`,type:`password`,autocomplete:`new-password`,value:r,onInput:e=>i(e.currentTarget.value)})}),X(`label`,{class:`check`,children:[X(`input`,{type:`checkbox`,checked:a,onChange:e=>o(e.currentTarget.checked)}),` admin`]}),X(`button`,{type:`submit`,children:`Create user`})]})}function _n(e){let{user:t}=e;return X(`tr`,{"data-email":t.email,children:[X(`td`,{children:[t.email,e.you&&` (you)`]}),X(`td`,{children:t.isAdmin?`admin`:`user`}),X(`td`,{children:t.isActive?`active`:`deactivated`}),X(`td`,{children:xt(t.createdAt)}),X(`td`,{children:[X(`button`,{type:`button`,onClick:()=>e.onUpdate({isAdmin:!t.isAdmin}),children:t.isAdmin?`Demote`:`Promote`}),` `,X(`button`,{type:`button`,onClick:()=>e.onUpdate({isActive:!t.isActive}),children:t.isActive?`Deactivate`:`Reactivate`}),X(Q,{problems:e.problems})]})]})}var vn=[[`machines`,`Machines`,!1],[`catalog`,`Catalog`,!1],[`sets`,`Tool sets`,!1],[`keys`,`API keys`,!1],[`users`,`Users`,!0],[`audit`,`Audit log`,!1]];function yn(e){let[t,n]=e.route;switch(t){case`machines`:return n===void 0?X(Jt,{}):X(fn,{machineId:n});case`catalog`:return X(It,{});case`sets`:return X(Xt,{selected:n??null});case`instances`:return X(Kt,{id:n??``});case`keys`:return X(wt,{});case`users`:return X(hn,{me:e.me});case`audit`:return X(jt,{});default:return X(Jt,{})}}function bn(){let e=_t(),[t,n]=R(void 0),r=async()=>{let e=await K(ot);n(e.data?e.data.me:null)};if(z(()=>(r(),Ue(()=>n(null))),[]),t===void 0)return X($,{});if(t===null)return X(Yt,{firstRun:document.body.dataset.firstRun===`true`,onSignedIn:e=>{qe(),document.body.dataset.firstRun=`false`,n(e)}});let i=async()=>{await K(lt),qe(),n(null)},a=e[0]===`instances`?`machines`:e[0]??`machines`;return X(`div`,{class:`app`,children:[X(`header`,{children:[X(`strong`,{class:`brand`,children:`smooth-gql tool room`}),X(`nav`,{"aria-label":`Screens`,children:vn.filter(([,,e])=>!e||t.isAdmin).map(([e,t])=>X(`a`,{href:Y(e),"aria-current":a===e?`page`:void 0,children:t},e))}),X(`span`,{class:`who`,children:[t.email,t.isAdmin&&` (admin)`]}),X(`button`,{type:`button`,onClick:()=>void i(),children:`Sign out`})]}),X(`main`,{children:X(yn,{route:e,me:t},e.join(`/`))})]})}P(X(bn,{}),document.getElementById(`app`));